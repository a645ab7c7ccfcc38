package scenarios

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/internal/syncbuf"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// eventually polls cond until it holds or 5 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func description(l *Loader, name string) string {
	set := l.Current()
	if set == nil {
		return ""
	}
	sc, ok := set.Get(name)
	if !ok {
		return ""
	}
	return sc.Description
}

func TestLoaderOverridesShippedScenario(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	writeFile(t, file, "scenarios:\n  - name: pass-0\n    description: mine\n    attempts: [{liveness: 1002}]\n  - name: extra-one\n")
	lib := mustLibrary(t)
	l := NewLoader([]string{dir}, nil)
	set, probs := l.Load()
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	if l.Current() != set {
		t.Fatal("Current is not the loaded set")
	}
	sc, _ := set.Get("pass-0")
	if sc.Description != "mine" || sc.Source != file || sc.Line != 2 {
		t.Errorf("pass-0 = %q from %s:%d", sc.Description, sc.Source, sc.Line)
	}
	if out := sc.Resolve(ResolveOptions{}); out.ErrorCode != 1002 {
		t.Errorf("overridden outcome %d", out.ErrorCode)
	}
	if set.Len() != lib.Len()+1 {
		t.Errorf("Len %d, want library %d + 1", set.Len(), lib.Len())
	}
	if sc, _, _ := set.Select(SelectInput{RuleID: "pass-0"}); sc.Source != file {
		t.Errorf("RuleId selects %s", sc.Source)
	}
	// The default can be overridden too.
	writeFile(t, file, "name: default\ndescription: my default\ncompletion: {mode: auto}\n")
	if changed, probs := l.Reload(); !changed || len(probs) != 0 {
		t.Fatalf("Reload = %v %v", changed, probs)
	}
	if d := l.Current().Default(); d.Description != "my default" {
		t.Errorf("Default() = %q", d.Description)
	}
	if sc, r, _ := l.Current().Select(SelectInput{}); sc.Description != "my default" || r != ReasonGlobalDefault {
		t.Errorf("Select = %q %s", sc.Description, r)
	}
}

func TestLoaderMatchOrder(t *testing.T) {
	dir := t.TempDir()
	b := filepath.Join(dir, "b.yaml")
	a := filepath.Join(dir, "a.yaml")
	// b.yaml is given first: its scenarios come first, each file's by name.
	writeFile(t, b, "scenarios:\n  - name: zz-b\n    match: {extra: {prefix: x}}\n  - name: yy-b\n    match: {extra: {prefix: x}}\n")
	writeFile(t, a, "name: aa-a\nmatch: {extra: {prefix: x}}\n")
	l := NewLoader([]string{b, a}, nil)
	set, probs := l.Load()
	if len(probs) != 0 {
		t.Fatal(probs)
	}
	if sc, r, _ := set.Select(SelectInput{Extra: "x1"}); sc.Name != "yy-b" || r != ReasonMatch {
		t.Errorf("Select = %s %s, want yy-b (first file given, then by name)", sc.Name, r)
	}
	// A directory expands in lexical order: a.yaml before b.yaml.
	l = NewLoader([]string{dir}, nil)
	set, _ = l.Load()
	if sc, _, _ := set.Select(SelectInput{Extra: "x1"}); sc.Name != "aa-a" {
		t.Errorf("Select = %s, want aa-a", sc.Name)
	}
}

func TestLoaderLoadProblems(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a-ok.yaml"), "name: ok\n")
	writeFile(t, filepath.Join(dir, "bad.yaml"), "name: bad\nattempts:\n  - {liveness: 1002, compare: 0}\n")
	writeFile(t, filepath.Join(dir, "z-dup.yml"), "name: ok\n")
	writeFile(t, filepath.Join(dir, ".hidden.yaml"), "this is: [not valid\n")
	writeFile(t, filepath.Join(dir, "notes.txt"), "ignored")
	l := NewLoader([]string{dir, filepath.Join(dir, "missing.yaml")}, nil)
	set, probs := l.Load()
	var got []string
	for _, p := range probs {
		got = append(got, strings.TrimPrefix(p.String(), dir+string(filepath.Separator)))
	}
	want := []string{
		"bad.yaml:3: attempts[0].compare: compare given but liveness failed (1002): no comparison runs after a failed liveness",
		`z-dup.yml:1: duplicate scenario name "ok" (first defined at ` + filepath.Join(dir, "a-ok.yaml") + `:1)`,
		"missing.yaml: cannot read: no such file or directory",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if l.Current() != nil {
		t.Error("a load with problems became Current")
	}
	if set == nil {
		t.Fatal("Load returned no set")
	}
	if _, ok := set.Get("ok"); !ok {
		t.Error("best-effort set lacks the good scenario")
	}
}

func TestLoaderReloadUnchanged(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), "name: a\n")
	l := NewLoader([]string{dir}, nil)
	if _, probs := l.Load(); len(probs) != 0 {
		t.Fatal(probs)
	}
	first := l.Current()
	if changed, probs := l.Reload(); changed || len(probs) != 0 {
		t.Errorf("Reload of unchanged files = %v %v", changed, probs)
	}
	if l.Current() != first {
		t.Error("Current replaced without a change")
	}
}

// TestLoaderHotReload writes a user file, watches it every 20 ms, changes
// it, breaks it (the last good set stays, problems are logged with
// file:line) and fixes it again; new and removed files are seen too.
func TestLoaderHotReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hot.yaml")
	writeFile(t, file, "name: hot\ndescription: v1\n")
	logs := &syncbuf.Buffer{}
	l := NewLoader([]string{dir}, slog.New(slog.NewTextHandler(logs, nil)))
	var mu sync.Mutex
	var notified []*Set
	l.OnChange(func(s *Set) {
		mu.Lock()
		notified = append(notified, s)
		mu.Unlock()
	})
	if _, probs := l.Load(); len(probs) != 0 {
		t.Fatal(probs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		l.Watch(ctx, 20*time.Millisecond)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()

	writeFile(t, file, "name: hot\ndescription: version two\nattempts: [{liveness: 1002}]\n")
	eventually(t, "the changed description", func() bool { return description(l, "hot") == "version two" })
	good := l.Current()

	writeFile(t, file, "name: hot\ndescription: broken\nattempts:\n  - {liveness: 2016}\n")
	wantLog := file + ":4: attempts[0].liveness: 2016 is a comparison code; write liveness: 0, compare: 2016"
	eventually(t, "the problem in the log", func() bool { return strings.Contains(logs.String(), wantLog) })
	if l.Current() != good || description(l, "hot") != "version two" {
		t.Errorf("the last good set was replaced by a broken one")
	}
	if changed, probs := l.Reload(); changed || len(probs) != 1 || probs[0].String() != wantLog {
		t.Errorf("Reload = %v %v, want the problem %q", changed, probs, wantLog)
	}

	writeFile(t, file, "name: hot\ndescription: fixed\n")
	eventually(t, "the fixed file", func() bool { return description(l, "hot") == "fixed" })

	other := filepath.Join(dir, "sub", "new.yml")
	writeFile(t, other, "name: newcomer\n")
	eventually(t, "the new file", func() bool { _, ok := l.Current().Get("newcomer"); return ok })
	if err := os.Remove(other); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the removed file", func() bool { _, ok := l.Current().Get("newcomer"); return !ok })

	mu.Lock()
	n := len(notified)
	mu.Unlock()
	if n < 5 { // load, v2, fixed, new file, removed file
		t.Errorf("OnChange called %d times, want >= 5", n)
	}
}

func TestLoaderConcurrentReloadAndReads(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "a.yaml")
	writeFile(t, file, "name: a\nmatch: {extra: {prefix: a}}\n")
	l := NewLoader([]string{dir}, nil)
	if _, probs := l.Load(); len(probs) != 0 {
		t.Fatal(probs)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if sc, _, _ := l.Current().Select(SelectInput{Extra: "a1"}); sc == nil {
					t.Error("nil scenario")
					return
				}
			}
		}()
	}
	for i := 0; i < 20; i++ {
		writeFile(t, file, "name: a\ndescription: v"+strings.Repeat("x", i)+"\nmatch: {extra: {prefix: a}}\n")
		l.Reload()
	}
	close(stop)
	wg.Wait()
}
