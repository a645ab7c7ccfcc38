package main

import (
	"fmt"
	"io"

	"github.com/faceid-emulator/faceid-emulator/scenarios"
)

// validate checks scenario files against the schema and the semantic rules,
// printing file:line: reason for every problem.
func validate(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: emulator validate PATH...")
		return 2
	}
	problems := scenarios.ValidateFiles(args...)
	for _, p := range problems {
		fmt.Fprintln(stdout, p.String())
	}
	if len(problems) > 0 {
		fmt.Fprintf(stderr, "%d problem(s)\n", len(problems))
		return 1
	}
	fmt.Fprintln(stderr, "ok")
	return 0
}
