// Command genlibrary writes the shipped scenario library
// (scenarios/library/*.yaml). Run it with `go generate ./scenarios`.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/faceid-emulator/faceid-emulator/scenarios/internal/libgen"
)

func main() {
	dir := flag.String("dir", "library", "directory to write the files to")
	schemaPath := flag.String("schema", "schema.json", "scenario JSON Schema whose action list is rewritten from the API spec")
	flag.Parse()
	schema, err := os.ReadFile(*schemaPath)
	if err == nil {
		schema, err = libgen.SchemaAPI(schema)
	}
	if err == nil {
		err = os.WriteFile(*schemaPath, schema, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlibrary:", err)
		os.Exit(1)
	}
	files, err := libgen.Generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlibrary:", err)
		os.Exit(1)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "genlibrary:", err)
		os.Exit(1)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(*dir, n), files[n], 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "genlibrary:", err)
			os.Exit(1)
		}
	}
}
