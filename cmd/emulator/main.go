// Command emulator runs the faceid emulator: a local stand-in for Tencent
// Cloud's eKYC web verification (faceid 2018-03-01) that the official SDKs
// talk to unchanged.
//
//	emulator [serve] [flags]      run the emulator (the default)
//	emulator healthcheck [flags]  exit 0 when the emulator at --addr is healthy
//	emulator validate PATH...     check scenario files
//	emulator version              print version, commit and Go version
//
// Every flag has an EMULATOR_* environment variable; a flag wins over its
// variable.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = "none"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run is main without process globals, so tests can call it.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 {
		// Top-level spellings people try before reading the usage.
		switch args[0] {
		case "-h", "-help", "--help":
			cmd = "help"
		case "-version", "--version":
			cmd = "version"
		}
	}
	switch cmd {
	case "serve":
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		return serve(ctx, args, stdout, stderr, getenv)
	case "healthcheck":
		return healthcheck(args, stdout, stderr, getenv)
	case "validate":
		return validate(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, versionString())
		return 0
	case "help":
		usage(stdout)
		fmt.Fprintln(stdout)
		_, _ = parseConfig("serve", []string{"-h"}, getenv, stdout) // prints the flags
		return 0
	default:
		fmt.Fprintf(stderr, "emulator: unknown command %q\n\n", cmd)
		usage(stderr)
		return 2
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage:
  emulator [serve] [flags]      run the emulator (default command)
  emulator healthcheck [flags]  exit 0 if the emulator at --addr answers health, 1 otherwise
  emulator validate PATH...     check scenario files or directories; exit 1 on any problem
  emulator version              print version, commit and Go version

Every flag has an EMULATOR_* variable; a flag given on the command line wins.
`)
}
