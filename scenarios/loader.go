package scenarios

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Loader combines the shipped library with user scenario files or
// directories. User scenarios override shipped ones by name. It keeps the
// last good Set and can reload it when the files change.
type Loader struct {
	paths  []string
	log    *slog.Logger
	parser *Parser
	perr   error

	mu      sync.Mutex // serialises Load and Reload
	lib     []*Scenario
	libErr  []Problem
	libDone bool
	snap    snapshot
	fp      string
	cur     atomic.Pointer[Set]

	subMu sync.Mutex
	subs  []func(*Set)
}

// NewLoader returns a loader for the given user paths (files or
// directories; directories are searched recursively for *.yaml and *.yml,
// skipping hidden entries). logger may be nil.
func NewLoader(paths []string, logger *slog.Logger) *Loader {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Loader{paths: append([]string(nil), paths...), log: logger}
}

// Load loads the library and the user files. On success (no problems) the
// set becomes Current and subscribers are told. With problems the returned
// set holds what could be loaded but does not become Current; the caller
// decides (the binary refuses to start).
func (l *Loader) Load() (*Set, []Problem) {
	l.mu.Lock()
	defer l.mu.Unlock()
	set, probs, fp, snap := l.build()
	l.snap = snap
	if len(probs) == 0 {
		l.fp = fp
		l.cur.Store(set)
		l.log.Info("scenarios loaded", "count", set.Len(), "paths", l.paths)
		l.notify(set)
	}
	return set, probs
}

// Current returns the last good set; nil before the first successful Load
// or Reload.
func (l *Loader) Current() *Set { return l.cur.Load() }

// Reload reloads the user files. On problems the last good set stays
// Current and every problem is logged as "file:line: reason". changed is
// true when a new set became Current (the files' content differs from the
// last good load). Subscribers are called before Reload returns; they must
// not call Load or Reload.
func (l *Loader) Reload() (changed bool, problems []Problem) {
	l.mu.Lock()
	defer l.mu.Unlock()
	set, probs, fp, snap := l.build()
	l.snap = snap
	if len(probs) > 0 {
		l.log.Warn("scenario reload failed; keeping the last good scenarios", "problems", len(probs))
		for _, p := range probs {
			l.log.Warn(p.String())
		}
		return false, probs
	}
	if l.cur.Load() != nil && fp == l.fp {
		return false, nil
	}
	l.fp = fp
	l.cur.Store(set)
	l.log.Info("scenarios reloaded", "count", set.Len())
	l.notify(set)
	return true, nil
}

// OnChange subscribes f to every new Current set.
func (l *Loader) OnChange(f func(*Set)) {
	l.subMu.Lock()
	defer l.subMu.Unlock()
	l.subs = append(l.subs, f)
}

func (l *Loader) notify(s *Set) {
	l.subMu.Lock()
	subs := slices.Clone(l.subs)
	l.subMu.Unlock()
	for _, f := range subs {
		f(s)
	}
}

// Watch polls the user paths every interval (size, mtime and mode of the
// files, new and removed files in directories) and calls Reload when
// something changed. It blocks until ctx is done; run it in a goroutine.
func (l *Loader) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		snap := takeSnapshot(l.paths)
		l.mu.Lock()
		same := l.snap != nil && maps.Equal(snap, l.snap)
		l.mu.Unlock()
		if !same {
			l.Reload()
		}
	}
}

// build loads everything; it runs under l.mu.
func (l *Loader) build() (*Set, []Problem, string, snapshot) {
	snap := takeSnapshot(l.paths)
	if !l.libDone {
		// The shipped library is checked against the schema by the tests
		// that build it; at start-up only the semantic checks run, which
		// keeps the emulator's cold start short.
		l.lib, l.libErr = parseLibrary(&Parser{trusted: true})
		l.libDone = true
	}
	var u userLoad
	if len(l.paths) > 0 {
		// The schema is compiled once, the first time user files are read.
		if l.parser == nil && l.perr == nil {
			l.parser, l.perr = NewParser()
		}
		if l.perr != nil {
			return mustEmptySet(), []Problem{{File: "schema.json", Reason: l.perr.Error()}}, "", snap
		}
		u = loadUser(l.parser, l.paths)
	}
	probs := append(append([]Problem(nil), l.libErr...), u.probs...)
	user := map[string]bool{}
	for _, s := range u.scs {
		user[s.Name] = true
	}
	all := append([]*Scenario(nil), u.scs...)
	for _, s := range l.lib {
		if user[s.Name] {
			l.log.Debug("user scenario overrides a shipped one", "name", s.Name)
			continue
		}
		all = append(all, s)
	}
	set, more := NewSet(all)
	probs = append(probs, more...)
	return set, probs, u.fingerprint, snap
}

func mustEmptySet() *Set {
	s, _ := NewSet(nil)
	return s
}

// ValidateFiles validates scenario files or directories (recursively *.yaml
// and *.yml) as `emulator validate PATH...` does: syntax, schema, semantics,
// duplicate names across the files and SecretIds claimed by two defaultFor.
// Problems come in file order, each file's by line; files are named as
// given (relative paths stay relative). Overriding a shipped scenario is not
// a problem.
func ValidateFiles(paths ...string) []Problem {
	ps, err := NewParser()
	if err != nil {
		return []Problem{{File: "schema.json", Reason: err.Error()}}
	}
	u := loadUser(ps, paths)
	_, more := NewSet(u.scs)
	return orderProblems(append(u.probs, more...), u.order)
}

// userLoad is the result of reading the user paths.
type userLoad struct {
	scs         []*Scenario // files in order, each file's scenarios by name
	probs       []Problem
	order       []string // paths with problems and files read, in order (for ordering problems)
	fingerprint string
}

func loadUser(ps *Parser, paths []string) userLoad {
	var u userLoad
	files, probs, order := expand(paths)
	u.probs = probs
	u.order = order
	h := sha256.New()
	first := map[string]*Scenario{}
	for _, f := range files {
		data, err := readScenarioFile(f)
		if err != nil {
			u.probs = append(u.probs, Problem{File: f, Reason: "cannot read: " + osReason(err)})
			continue
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(data))
		h.Write(data)
		scs, pr := ps.Parse(f, data)
		u.probs = append(u.probs, pr...)
		sortByName(scs)
		for _, s := range scs {
			if prev, dup := first[s.Name]; dup {
				u.probs = append(u.probs, Problem{File: f, Line: s.nameLine(),
					Reason: fmt.Sprintf("duplicate scenario name %q (first defined at %s)", s.Name, where(prev.Source, prev.nameLine()))})
				continue
			}
			first[s.Name] = s
			u.scs = append(u.scs, s)
		}
	}
	u.fingerprint = hex.EncodeToString(h.Sum(nil))
	u.probs = orderProblems(u.probs, u.order)
	return u
}

// orderProblems sorts problems by the position of their file in order
// (unknown files last, by name), then by line; stable otherwise.
func orderProblems(ps []Problem, order []string) []Problem {
	rank := map[string]int{}
	for i, f := range order {
		if _, ok := rank[f]; !ok {
			rank[f] = i
		}
	}
	r := func(f string) int {
		if i, ok := rank[f]; ok {
			return i
		}
		return len(order)
	}
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if ra, rb := r(a.File), r(b.File); ra != rb {
			return ra < rb
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Reason < b.Reason
	})
	return ps
}

func osReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func isScenarioFile(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

func hidden(name string) bool { return strings.HasPrefix(name, ".") && name != "." && name != ".." }

// expand turns the user paths into files: files as given, directories
// walked in lexical order for *.yaml / *.yml (hidden entries skipped).
// A file reached twice is read once.
func expand(paths []string) (files []string, probs []Problem, order []string) {
	seen := map[string]bool{}
	add := func(f string) {
		c := filepath.Clean(f)
		if !seen[c] {
			seen[c] = true
			files = append(files, f)
			order = append(order, f)
		}
	}
	fail := func(f string, err error) {
		probs = append(probs, Problem{File: f, Reason: "cannot read: " + osReason(err)})
		order = append(order, f)
	}
	for _, root := range paths {
		fi, err := os.Stat(root)
		if err != nil {
			fail(root, err)
			continue
		}
		if !fi.IsDir() {
			add(root)
			continue
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fail(p, err)
				return nil
			}
			if p != root && hidden(d.Name()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() || !isScenarioFile(d.Name()) {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
					return nil
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			add(p)
			return nil
		})
		if err != nil {
			fail(root, err)
		}
	}
	return files, probs, order
}

// snapshot records what Watch compares: per file size, mtime and mode, and
// an error marker for unreadable roots.
type snapshot map[string]string

func takeSnapshot(paths []string) snapshot {
	s := snapshot{}
	files, probs, _ := expand(paths)
	for _, p := range probs {
		s["!"+p.File] = p.Reason
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			s[f] = "error: " + osReason(err)
			continue
		}
		s[f] = fmt.Sprintf("%d %d %v", st.Size(), st.ModTime().UnixNano(), st.Mode())
	}
	return s
}
