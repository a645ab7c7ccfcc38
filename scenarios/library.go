package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

//go:generate go run ./internal/genlibrary -dir library

//go:embed library/*.yaml
var libraryFS embed.FS

// LibraryFiles returns the shipped library files (name → content), the
// files under scenarios/library embedded into the binary.
func LibraryFiles() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := fs.ReadDir(libraryFS, "library")
	for _, e := range entries {
		b, err := libraryFS.ReadFile("library/" + e.Name())
		if err == nil {
			out[e.Name()] = b
		}
	}
	return out
}

// parseLibrary parses the embedded library; sources are "library/<file>".
func parseLibrary(ps *Parser) ([]*Scenario, []Problem) {
	files := LibraryFiles()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var all []*Scenario
	var probs []Problem
	first := map[string]*Scenario{}
	for _, n := range names {
		scs, pr := ps.Parse(path.Join("library", n), files[n])
		probs = append(probs, pr...)
		for _, s := range scs {
			if f, dup := first[s.Name]; dup {
				probs = append(probs, Problem{File: s.Source, Line: s.nameLine(),
					Reason: fmt.Sprintf("duplicate scenario name %q (first defined at %s)", s.Name, where(f.Source, f.nameLine()))})
				continue
			}
			first[s.Name] = s
			all = append(all, s)
		}
	}
	sortByName(all)
	return all, probs
}

func sortByName(scs []*Scenario) {
	sort.SliceStable(scs, func(i, j int) bool { return scs[i].Name < scs[j].Name })
}

// Library returns the shipped library as a Set.
func Library() (*Set, error) {
	ps, err := NewParser()
	if err != nil {
		return nil, err
	}
	scs, probs := parseLibrary(ps)
	set, more := NewSet(scs)
	probs = append(probs, more...)
	if len(probs) > 0 {
		lines := make([]string, len(probs))
		for i, p := range probs {
			lines[i] = p.String()
		}
		return set, fmt.Errorf("scenarios: shipped library has problems:\n%s", strings.Join(lines, "\n"))
	}
	return set, nil
}
