// Package integration holds the end-to-end suites: the official Go SDK and
// the Node intl SDK against the emulator in-process and as the built
// binary, the browser flow in headless Chromium, the binary in an empty
// root filesystem, and the load, shutdown and persistence tests. The bench
// command lives in integration/bench.
package integration
