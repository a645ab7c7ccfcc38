package scenarios

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestValidateFilesGolden runs ValidateFiles over good and bad fixtures and
// compares the exact "file:line: reason" lines with testdata/validate.golden.
// Run `go test ./scenarios -run Golden -update` after an intended change.
func TestValidateFilesGolden(t *testing.T) {
	probs := ValidateFiles("testdata/validate/good", "testdata/validate/bad", "testdata/validate/missing.yaml")
	var b strings.Builder
	for _, p := range probs {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	got := b.String()
	const golden = "testdata/validate.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("ValidateFiles output differs from %s (run with -update if intended)\n--- got\n%s--- want\n%s", golden, got, want)
	}
	for _, p := range probs {
		if strings.HasPrefix(p.File, "testdata/validate/good") {
			t.Errorf("good fixture has a problem: %s", p)
		}
	}
}

func TestValidateFilesGoodOnly(t *testing.T) {
	if probs := ValidateFiles("testdata/validate/good"); len(probs) != 0 {
		t.Fatalf("problems in good fixtures: %v", probs)
	}
	if probs := ValidateFiles(); probs != nil {
		t.Fatalf("no paths: %v", probs)
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{"a.yaml", 3, "bad"}, "a.yaml:3: bad"},
		{Problem{"a.yaml", 0, "no scenario in file"}, "a.yaml: no scenario in file"},
		{Problem{"library/x.yaml", 12, "r"}, "library/x.yaml:12: r"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}
