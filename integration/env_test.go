package integration

import (
	"os"
	"testing"
)

// inCI reports whether the suites run in CI, where nothing may skip.
func inCI() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "false" && ci != "0"
}

// unavailable stops a test whose browser, SDK or privilege is missing: a
// failure in CI, which must provide it, and a skip that says why elsewhere.
func unavailable(t testing.TB, reason string) {
	t.Helper()
	if inCI() {
		t.Fatal(reason + " (CI must provide it: see .ci/run)")
	}
	t.Skip("skipping: " + reason)
}
