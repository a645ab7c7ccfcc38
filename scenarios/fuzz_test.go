package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Parse must never panic (it turns
// a panic into an "internal error" problem, which fails here), every problem
// must name the file with a line inside it, and every returned scenario must
// pass Validate.
func FuzzParse(f *testing.F) {
	lib := LibraryFiles()
	names := make([]string, 0, len(lib))
	for n := range lib {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f.Add(lib[n])
	}
	fixtures, _ := filepath.Glob("testdata/validate/*/*.y*ml")
	for _, fx := range fixtures {
		if b, err := os.ReadFile(fx); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		"", "---\n---\n", "name: a\n<<: *x\n", "a: &a [*a]\n", "name: x\nattempts: [{liveness: .nan}]\n",
		"name: x\napi: {'*': {latency: 99999999999999999999h}}\n", "scenarios: []\n", "scenarios: [null]\n",
		"x: &x {a: &y [*x, *x]}\nname: q\n", "name: a\nattempts:\n  - {liveness: 0x3EA}\n",
	} {
		f.Add([]byte(s))
	}
	ps, err := NewParser()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		scs, probs := ps.Parse("fuzz.yaml", data)
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 2
		for _, p := range probs {
			if strings.HasPrefix(p.Reason, "internal error") {
				t.Fatalf("parser panicked: %s", p)
			}
			if p.File != "fuzz.yaml" || p.Line < 0 || p.Line > lines {
				t.Fatalf("bad problem location: %s (input has %d lines)", p, lines)
			}
		}
		for _, s := range scs {
			if vp := Validate(s); len(vp) > 0 {
				t.Fatalf("Parse returned scenario %q that fails Validate: %v", s.Name, vp)
			}
			if s.Source != "fuzz.yaml" || s.Line <= 0 {
				t.Fatalf("scenario %q without location: %q:%d", s.Name, s.Source, s.Line)
			}
		}
	})
}
