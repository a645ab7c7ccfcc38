package integration

// The shipping suite: what the Docker image holds, tested without a Docker
// engine. The release binary is built the way the Dockerfile builds it
// (scripts/build.sh, from a copy of the build context filtered by
// .dockerignore), checked to be static and stripped, and run as uid 65532
// in an empty root directory - the image's runtime stage, which is
// `FROM scratch` plus that one binary.

import (
	"bufio"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
	"github.com/faceid-emulator/faceid-emulator/internal/syncbuf"
)

const (
	shipVersion = "v0.0.0-shiptest"
	shipCommit  = "shipcommit"
	shipUID     = 65532 // the image's USER (distroless "nonroot")

	// shipSizeGoal is what the binary should stay under; shipSizeLimit is
	// where the test fails. The gap leaves room for growth without a flaky
	// gate: the size only matters for image pull time in CI, and a jump
	// past 25 MB means something large (a second copy of the media, a
	// heavy dependency) was pulled in by mistake.
	shipSizeGoal  = 15 << 20
	shipSizeLimit = 25 << 20
)

// shipRepoRoot is the module root (the parent of integration/).
func shipRepoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// ---- Dockerfile --------------------------------------------------------

// shipInstr is one Dockerfile instruction, continuation lines joined and
// comments dropped.
type shipInstr struct {
	Stage int    // 0 = before the first FROM
	Cmd   string // upper case
	Args  string
	Line  int
}

func shipParseDockerfile(t testing.TB) []shipInstr {
	t.Helper()
	f, err := os.Open(filepath.Join(shipRepoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []shipInstr
	stage := 0
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && cur.Len() == 0) {
			continue // comments may also sit inside a continued instruction
		}
		if cur.Len() == 0 {
			start = n
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(line)
		text := strings.Join(strings.Fields(cur.String()), " ")
		cur.Reset()
		cmd, args, _ := strings.Cut(text, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, shipInstr{Stage: stage, Cmd: cmd, Args: args, Line: start})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// shipJSONArgs decodes an exec-form argument list.
func shipJSONArgs(t testing.TB, s string) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Errorf("%q is not exec (JSON) form: %v - there is no shell in the image", s, err)
	}
	return out
}

// shipBuildBase is the image the build stage starts FROM, with the
// Dockerfile's global ARG defaults expanded (golang:1.26-bookworm).
func shipBuildBase(instrs []shipInstr) string {
	globalArgs := map[string]string{}
	var from string
	for _, in := range instrs {
		switch {
		case in.Stage == 0 && in.Cmd == "ARG":
			k, v, _ := strings.Cut(in.Args, "=")
			globalArgs[k] = v
		case in.Stage == 1 && in.Cmd == "FROM" && from == "":
			from = in.Args
		}
	}
	expanded := os.Expand(from, func(k string) string {
		if v, ok := globalArgs[k]; ok {
			return v
		}
		return "${" + k + "}"
	})
	for _, f := range strings.Fields(expanded) {
		if !strings.HasPrefix(f, "--") {
			return f
		}
	}
	return ""
}

func TestShipDockerfile(t *testing.T) {
	instrs := shipParseDockerfile(t)
	last := instrs[len(instrs)-1].Stage
	stage := func(n int) []shipInstr {
		var s []shipInstr
		for _, in := range instrs {
			if in.Stage == n {
				s = append(s, in)
			}
		}
		return s
	}
	find := func(ins []shipInstr, cmd string) []shipInstr {
		var s []shipInstr
		for _, in := range ins {
			if in.Cmd == cmd {
				s = append(s, in)
			}
		}
		return s
	}
	// Build stage: golang 1.26, and the one build command is scripts/build.sh.
	if last < 2 {
		t.Fatalf("want a multi-stage Dockerfile, found %d stage(s)", last)
	}
	image := shipBuildBase(instrs)
	if !strings.HasPrefix(image, "golang:1.26") {
		t.Errorf("build stage image %q, want golang:1.26[-...]", image)
	}
	var builds []shipInstr
	for _, in := range instrs {
		if in.Cmd == "RUN" && strings.Contains(in.Args, "scripts/build.sh") {
			builds = append(builds, in)
		}
		// The flags live in scripts/build.sh only; a copy here would drift.
		for _, dup := range []string{"go build", "-ldflags", "-trimpath", "CGO_ENABLED", "main.version"} {
			if strings.Contains(in.Args, dup) {
				t.Errorf("Dockerfile:%d repeats %q; scripts/build.sh is the one source of build flags", in.Line, dup)
			}
		}
	}
	if len(builds) != 1 {
		t.Fatalf("want exactly one RUN calling scripts/build.sh, found %d", len(builds))
	}
	if b := builds[0]; b.Stage == last || !strings.Contains(b.Args, `scripts/build.sh /out/emulator "$VERSION" "$COMMIT"`) {
		t.Errorf(`Dockerfile:%d: want scripts/build.sh /out/emulator "$VERSION" "$COMMIT" in the build stage, got %q`, b.Line, b.Args)
	}
	var buildArgs []string
	for _, in := range find(stage(builds[0].Stage), "ARG") {
		k, _, _ := strings.Cut(in.Args, "=")
		buildArgs = append(buildArgs, k)
	}
	for _, a := range []string{"VERSION", "COMMIT"} {
		if !slices.Contains(buildArgs, a) {
			t.Errorf("build stage does not declare ARG %s", a)
		}
	}

	// Runtime stage.
	rt := stage(last)
	if img := find(rt, "FROM")[0].Args; img != "scratch" && !strings.HasPrefix(img, "gcr.io/distroless/static-debian12:nonroot") {
		t.Errorf("runtime stage FROM %q, want scratch or distroless static nonroot", img)
	}
	copies := find(rt, "COPY")
	if len(copies) == 0 || !strings.HasSuffix(copies[0].Args, "/out/emulator /emulator") || !strings.Contains(copies[0].Args, "--from=") {
		t.Errorf("runtime stage must COPY --from=<build> /out/emulator /emulator, got %v", copies)
	}
	single := func(cmd string) string {
		ins := find(rt, cmd)
		if len(ins) != 1 {
			t.Errorf("runtime stage has %d %s instructions, want 1", len(ins), cmd)
			return ""
		}
		return ins[0].Args
	}
	if u := single("USER"); u != "65532:65532" {
		t.Errorf("USER %q, want 65532:65532", u)
	}
	if e := single("EXPOSE"); !slices.Contains(strings.Fields(e), "8780") {
		t.Errorf("EXPOSE %q lacks 8780", e)
	}
	envs := map[string]string{}
	for _, in := range find(rt, "ENV") {
		for _, kv := range strings.Fields(in.Args) {
			k, v, _ := strings.Cut(kv, "=")
			envs[k] = v
		}
	}
	if envs["EMULATOR_ADDR"] != ":8780" {
		t.Errorf("ENV EMULATOR_ADDR = %q, want :8780", envs["EMULATOR_ADDR"])
	}
	if _, set := envs["EMULATOR_SCENARIOS"]; set {
		t.Error("ENV EMULATOR_SCENARIOS must stay unset by default (users opt in with -e EMULATOR_SCENARIOS=/scenarios)")
	}
	if v := find(rt, "VOLUME"); len(v) > 0 {
		t.Errorf("VOLUME %v: the image documents /scenarios and /data instead of declaring anonymous volumes", v)
	}
	hc := single("HEALTHCHECK")
	opts, cmd, ok := strings.Cut(hc, "CMD ")
	if !ok {
		t.Errorf("HEALTHCHECK %q has no CMD", hc)
	}
	if got := strings.Fields(opts); !slices.Equal(got, []string{"--interval=5s", "--timeout=3s", "--start-period=2s", "--retries=3"}) {
		t.Errorf("HEALTHCHECK options %v", got)
	}
	if got := shipJSONArgs(t, cmd); !slices.Equal(got, []string{"/emulator", "healthcheck"}) {
		t.Errorf("HEALTHCHECK CMD %v, want [/emulator healthcheck]", got)
	}
	if got := shipJSONArgs(t, single("ENTRYPOINT")); !slices.Equal(got, []string{"/emulator"}) {
		t.Errorf("ENTRYPOINT %v", got)
	}
	if got := shipJSONArgs(t, single("CMD")); !slices.Equal(got, []string{"serve"}) {
		t.Errorf("CMD %v", got)
	}
	labels := strings.Join(func() []string {
		var s []string
		for _, in := range find(rt, "LABEL") {
			s = append(s, in.Args)
		}
		return s
	}(), " ")
	for _, l := range []string{"org.opencontainers.image.title=", "org.opencontainers.image.source=", "org.opencontainers.image.version=", "org.opencontainers.image.revision="} {
		if !strings.Contains(labels, l) {
			t.Errorf("runtime stage lacks LABEL %s", l)
		}
	}

	// The user-scenario mount point is documented, not declared.
	raw, _ := os.ReadFile(filepath.Join(shipRepoRoot(t), "Dockerfile"))
	for _, doc := range []string{"-e EMULATOR_SCENARIOS=/scenarios", "-v ./scenarios:/scenarios:ro", "EMULATOR_PUBLIC_URL"} {
		if !strings.Contains(string(raw), doc) {
			t.Errorf("Dockerfile does not document %q", doc)
		}
	}
}

// ---- build context and release binary -----------------------------------

// shipIgnore is a .dockerignore: Docker's rules (moby/patternmatcher) for
// the patterns the file uses - *, ?, ** and ! exceptions; the last
// matching pattern wins, and a pattern matching a directory excludes what
// is inside it.
type shipIgnore struct {
	pats []shipPattern
}

type shipPattern struct {
	re      *regexp.Regexp
	exclude bool
}

func shipLoadIgnore(t testing.TB) *shipIgnore {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(shipRepoRoot(t), ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	ig := &shipIgnore{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := shipPattern{exclude: true}
		if rest, ok := strings.CutPrefix(line, "!"); ok {
			p.exclude, line = false, strings.TrimSpace(rest)
		}
		line = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(line)), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(line); i++ {
			switch c := line[i]; {
			case c == '*' && i+1 < len(line) && line[i+1] == '*':
				i++
				if i+1 < len(line) && line[i+1] == '/' {
					i++
				}
				if i+1 == len(line) {
					re.WriteString(".*")
				} else {
					re.WriteString("(.*/)?")
				}
			case c == '*':
				re.WriteString("[^/]*")
			case c == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		re.WriteString("$")
		p.re = regexp.MustCompile(re.String())
		ig.pats = append(ig.pats, p)
	}
	return ig
}

// excluded reports whether rel (slash-separated, relative to the context)
// is left out of the build context.
func (ig *shipIgnore) excluded(rel string) bool {
	out := false
	for _, p := range ig.pats {
		// The pattern applies to rel and to each of its parents.
		for dir := rel; ; {
			if p.re.MatchString(dir) {
				out = p.exclude
				break
			}
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
		}
	}
	return out
}

func (ig *shipIgnore) hasExceptions() bool {
	return slices.ContainsFunc(ig.pats, func(p shipPattern) bool { return !p.exclude })
}

// shipWorkDir is this process's directory for the build context and the
// binary, $TMPDIR/faceid-emulator-ship-<pid>. There is no TestMain to
// remove it at the end, so each run removes those of earlier runs whose
// process is gone.
func shipWorkDir() (string, error) {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), "faceid-emulator-ship-*"))
	for _, d := range old {
		var pid int
		if _, err := fmt.Sscanf(filepath.Base(d), "faceid-emulator-ship-%d", &pid); err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("faceid-emulator-ship-%d", os.Getpid()))
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
}

var shipBuild struct {
	once    sync.Once
	bin     string
	files   []string // the build context, relative paths
	bytes   int64
	output  string
	err     error
	context string
}

// shipReleaseBinary builds the release binary as `docker build` would:
// the repository is copied into a fresh directory through .dockerignore
// (the COPY . . of the build stage) and scripts/build.sh runs there.
func shipReleaseBinary(t testing.TB) string {
	t.Helper()
	shipBuild.once.Do(func() {
		root := shipRepoRoot(t)
		ig := shipLoadIgnore(t)
		dir, err := shipWorkDir()
		if err != nil {
			shipBuild.err = err
			return
		}
		shipBuild.context = filepath.Join(dir, "src")
		if shipBuild.err = os.MkdirAll(shipBuild.context, 0o755); shipBuild.err != nil {
			return
		}
		shipBuild.err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if rel == "." {
				return nil
			}
			rel = filepath.ToSlash(rel)
			if ig.excluded(rel) {
				if d.IsDir() && !ig.hasExceptions() {
					return fs.SkipDir
				}
				return nil
			}
			dst := filepath.Join(shipBuild.context, filepath.FromSlash(rel))
			switch {
			case d.IsDir():
				return os.MkdirAll(dst, 0o755)
			case d.Type().IsRegular():
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				info, err := d.Info()
				if err != nil {
					return err
				}
				shipBuild.files = append(shipBuild.files, rel)
				shipBuild.bytes += int64(len(data))
				return os.WriteFile(dst, data, info.Mode().Perm())
			}
			return nil // symlinks and the like: not part of the build
		})
		if shipBuild.err != nil {
			return
		}
		shipBuild.bin = filepath.Join(dir, "out", "emulator")
		// Dockerfile: RUN sh scripts/build.sh /out/emulator "$VERSION" "$COMMIT"
		cmd := exec.Command("sh", "scripts/build.sh", shipBuild.bin, shipVersion, shipCommit)
		cmd.Dir = shipBuild.context
		out, err := cmd.CombinedOutput()
		shipBuild.output = string(out)
		if err != nil {
			shipBuild.err = fmt.Errorf("scripts/build.sh in the filtered build context: %v\n%s", err, out)
		}
		_ = os.RemoveAll(shipBuild.context) // keep only the binary
	})
	if shipBuild.err != nil {
		t.Fatal(shipBuild.err)
	}
	return shipBuild.bin
}

func TestShipDockerContext(t *testing.T) {
	shipReleaseBinary(t) // the build succeeding is the main assertion
	t.Logf("build context: %d files, %.1f MB (after .dockerignore)", len(shipBuild.files), float64(shipBuild.bytes)/(1<<20))
	for _, must := range []string{"go.mod", "go.sum", "scripts/build.sh", "cmd/emulator/main.go"} {
		if !slices.Contains(shipBuild.files, must) {
			t.Errorf("build context lacks %s", must)
		}
	}
	for _, f := range shipBuild.files {
		for _, bad := range []string{".git/", "node_modules/", "integration/", "examples/", "/testdata/"} {
			if strings.HasPrefix(f, bad) || strings.Contains(f, "/"+bad) {
				t.Errorf("build context holds %s (matches %q); .dockerignore should leave it out", f, bad)
			}
		}
		if strings.HasSuffix(f, "_test.go") || strings.HasSuffix(f, ".test") {
			t.Errorf("build context holds test file %s", f)
		}
	}
	ig := shipLoadIgnore(t)
	for rel, want := range map[string]bool{
		".git":                                 true,
		".git/HEAD":                            true,
		"integration/node/node_modules/x.js":   true,
		"web/node_modules/x/index.js":          true,
		"scenarios/testdata/validate/good/a.y": true,
		"emulator/emulator_test.go":            true,
		"scenarios/scenarios.test":             true,
		"integration/artifacts/shot.png":       true,
		"examples/sdk/go/main.go":              true,
		"bin/emulator":                         true,
		"scenarios/library/default.yaml":       false,
		"emulator/internal/web/assets/app.css": false,
		"cmd/emulator/main.go":                 false,
		"scripts/build.sh":                     false,
		"go.sum":                               false,
	} {
		if got := ig.excluded(rel); got != want {
			t.Errorf(".dockerignore excludes %s = %v, want %v", rel, got, want)
		}
	}
}

func TestShipStaticBinary(t *testing.T) {
	bin := shipReleaseBinary(t)
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	size := st.Size()
	t.Logf("release binary: %d bytes (%.2f MB); goal < %d MB, fails above %d MB", size, float64(size)/(1<<20), shipSizeGoal>>20, shipSizeLimit>>20)
	if size > shipSizeGoal {
		t.Logf("NOTE: the binary is above the %d MB goal", shipSizeGoal>>20)
	}
	if size > shipSizeLimit {
		t.Errorf("release binary is %.1f MB, above the %d MB limit", float64(size)/(1<<20), shipSizeLimit>>20)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			t.Error("binary has a PT_INTERP program header: it needs a dynamic loader, which a scratch image lacks")
		case elf.PT_DYNAMIC:
			t.Error("binary has a PT_DYNAMIC program header: it is dynamically linked")
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	if len(libs) > 0 {
		t.Errorf("binary needs shared libraries (DT_NEEDED): %v", libs)
	}
	if f.Section(".interp") != nil || f.Section(".dynamic") != nil {
		t.Error("binary has .interp/.dynamic sections")
	}
	// -s -w: no symbol table, no DWARF.
	if f.Section(".symtab") != nil {
		t.Error("binary has a .symtab: -ldflags -s was not applied")
	}
	for _, s := range f.Sections {
		if strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			t.Errorf("binary has DWARF section %s: -ldflags -w was not applied", s.Name)
			break
		}
	}

	// What the toolchain recorded proves the flags came from build.sh.
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" {
		t.Errorf("CGO_ENABLED = %q, want 0", settings["CGO_ENABLED"])
	}
	if settings["-trimpath"] != "true" {
		t.Errorf("-trimpath = %q, want true", settings["-trimpath"])
	}
	// With -trimpath the toolchain does not record -ldflags; -s and -w
	// show above (no .symtab, no DWARF), -X shows in `version`.
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "faceid-emulator " + shipVersion + " (commit " + shipCommit + ","; !strings.HasPrefix(string(out), want) {
		t.Errorf("version %q: -X main.version/main.commit were not applied (want prefix %q)", out, want)
	}
	if info.Path != "github.com/faceid-emulator/faceid-emulator/cmd/emulator" {
		t.Errorf("main package %q", info.Path)
	}
	t.Logf("built with %s, GOOS=%s GOARCH=%s", info.GoVersion, settings["GOOS"], settings["GOARCH"])
}

var shipFlagLine = regexp.MustCompile(`(?m)^  -(\S+)(?: \S+)?\n((?:    \t.*\n)+)`)

// shipFlags maps each flag of a --help listing to the EMULATOR_* variable
// it names ("" when it names none).
func shipFlags(help string) map[string]string {
	out := map[string]string{}
	for _, m := range shipFlagLine.FindAllStringSubmatch(help, -1) {
		env := ""
		if e := regexp.MustCompile(`\[(EMULATOR_[A-Z0-9_]+)\]`).FindStringSubmatch(m[2]); e != nil {
			env = e[1]
		}
		out[m[1]] = env
	}
	return out
}

func TestShipVersionAndHelp(t *testing.T) {
	bin := shipReleaseBinary(t)
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	runBin := func(args ...string) (string, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{} // nothing from the test's environment
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("%v: %v", args, err)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, code := runBin(args...)
		if code != 0 {
			t.Errorf("%v exit %d", args, code)
		}
		for _, want := range []string{shipVersion, shipCommit, info.GoVersion} {
			if !strings.Contains(out, want) {
				t.Errorf("%v output %q lacks %q", args, out, want)
			}
		}
	}

	listings := map[string]map[string]string{}
	for _, args := range [][]string{{"--help"}, {"help"}, {"serve", "--help"}, {"healthcheck", "--help"}} {
		out, code := runBin(args...)
		if code != 0 {
			t.Errorf("%v exit %d", args, code)
		}
		flags := shipFlags(out)
		if len(flags) == 0 {
			t.Errorf("%v lists no flags:\n%s", args, out)
		}
		for name, env := range flags {
			want := "EMULATOR_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
			if env != want {
				t.Errorf("%v: flag -%s names variable %q, want %q", args, name, env, want)
			}
		}
		listings[strings.Join(args, " ")] = flags
	}
	serveFlags := listings["serve --help"]
	for name, flags := range listings {
		if !maps.Equal(flags, serveFlags) {
			t.Errorf("%q lists other flags than serve --help", name)
		}
	}
	// The variables the Dockerfile and examples document exist.
	vars := map[string]bool{}
	for _, env := range serveFlags {
		vars[env] = true
	}
	for _, v := range []string{"EMULATOR_ADDR", "EMULATOR_PUBLIC_URL", "EMULATOR_CREDENTIALS", "EMULATOR_SCENARIOS", "EMULATOR_DATA_DIR",
		"EMULATOR_RELOAD_INTERVAL", "EMULATOR_ADMIN_TOKEN", "EMULATOR_TLS", "EMULATOR_TLS_ADDR", "EMULATOR_TLS_CERT", "EMULATOR_TLS_KEY", "EMULATOR_TLS_HOSTS", "EMULATOR_TLS_WRITE_CERT"} {
		if !vars[v] {
			t.Errorf("serve --help does not list %s", v)
		}
	}
	t.Logf("%d flags, each with its EMULATOR_* variable", len(serveFlags))
}

// ---- the image's runtime stage: empty root, uid 65532 --------------------

// shipRequireRoot skips (laptop) or fails (CI) when the test cannot chroot
// and change user.
func shipRequireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	msg := fmt.Sprintf("running the binary chrooted as uid %d needs root (chroot and setuid); this test runs as uid %d", shipUID, os.Geteuid())
	unavailable(t, msg+" - run as root (e.g. sudo go test -run Chroot ./integration/) to cover the scratch-image layout")
}

// shipRootfs lays out what the image holds: / with only /emulator (root
// owned, 0755), plus the documented mounts - /scenarios (read-only user
// scenarios) and /data (owned by 65532, as COPY --chown makes it). No /etc,
// /tmp, /dev, CA bundle or passwd file.
func shipRootfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(shipReleaseBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "emulator"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	scen := filepath.Join(root, "scenarios")
	if err := os.Mkdir(scen, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(shipRepoRoot(t), "scenarios", "testdata", "validate", "good", "merchant.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(scen, "merchant.yaml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, shipUID, shipUID); err != nil {
		t.Fatal(err)
	}
	return root
}

// shipChrooted is /emulator args... run inside root as uid/gid 65532 with
// exactly env as its environment.
func shipChrooted(root string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command("/emulator", args...)
	cmd.Path = "/emulator" // resolved inside the chroot, not on the host
	cmd.Dir = "/"
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: shipUID, Gid: shipUID},
	}
	return cmd
}

// shipStartChrooted starts the server and waits until it is healthy.
func shipStartChrooted(t *testing.T, root string, env []string) *process {
	t.Helper()
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := shipChrooted(root, append([]string{"EMULATOR_ADDR=" + addr}, env...), "serve")
	p := &process{
		target: &target{Name: "chroot", Endpoint: addr, BaseURL: "http://" + addr},
		Cmd:    cmd, Stdout: &syncbuf.Buffer{}, Stderr: &syncbuf.Buffer{}, done: make(chan error, 1),
	}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting the chrooted emulator: %v", err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	if err := waitHealthy(p.BaseURL, 15*time.Second, p.done); err != nil {
		t.Fatalf("chrooted emulator did not become healthy: %v\nstdout:\n%s\nstderr:\n%s", err, p.Stdout, p.Stderr)
	}
	return p
}

// shipTerminate sends SIGTERM, as `docker stop` does, and waits.
func shipTerminate(t *testing.T, p *process) {
	t.Helper()
	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("emulator exited with %v after SIGTERM, want 0\nstderr:\n%s", err, p.Stderr)
		}
	case <-time.After(10 * time.Second):
		_ = p.Cmd.Process.Kill()
		t.Fatal("emulator did not stop within 10s of SIGTERM")
	}
}

// shipHealthcheck runs `/emulator healthcheck` chrooted as 65532, the way
// Docker runs the image's HEALTHCHECK, and returns its exit code.
func shipHealthcheck(t *testing.T, root, addr string) (int, string) {
	t.Helper()
	cmd := shipChrooted(root, []string{"EMULATOR_ADDR=" + addr}, "healthcheck")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("healthcheck: %v", err)
	}
	if d := time.Since(start); d >= 3*time.Second {
		t.Errorf("healthcheck took %v; the HEALTHCHECK --timeout is 3s", d)
	}
	return cmd.ProcessState.ExitCode(), strings.TrimSpace(string(out))
}

func shipGetResult(t *testing.T, tg *target, cred emulator.Credential, token string) map[string]any {
	t.Helper()
	res, err := call(goClient(tg, cred), "GetWebVerificationResultIntl", map[string]any{"BizToken": token})
	if err != nil {
		t.Fatalf("GetWebVerificationResultIntl: %v", err)
	}
	return res
}

func TestShipChroot(t *testing.T) {
	shipRequireRoot(t)
	root := shipRootfs(t)
	cred := emulator.DefaultCredential() // the image's out-of-the-box credential
	env := []string{"EMULATOR_SCENARIOS=/scenarios", "EMULATOR_DATA_DIR=/data", "EMULATOR_LOG_LEVEL=warn"}

	t.Run("version", func(t *testing.T) {
		out, err := shipChrooted(root, nil, "version").CombinedOutput()
		if err != nil || !strings.Contains(string(out), shipVersion) {
			t.Errorf("chrooted version: %v: %s", err, out)
		}
	})
	t.Run("validate /scenarios", func(t *testing.T) {
		out, err := shipChrooted(root, nil, "validate", "/scenarios").CombinedOutput()
		if err != nil {
			t.Errorf("chrooted validate /scenarios: %v: %s", err, out)
		}
	})

	p := shipStartChrooted(t, root, env)
	_, port, _ := strings.Cut(p.Endpoint, ":")

	// It really runs as 65532, not root.
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if uid := firstLine(string(status), "Uid:"); !strings.Contains(uid, fmt.Sprintf("\t%d\t%d\t", shipUID, shipUID)) {
		t.Errorf("server process %s, want uid %d", uid, shipUID)
	}

	// The real Go SDK: Apply, control complete, Get.
	c := goClient(p.target, cred)
	token, vurl := apply(t, c, map[string]any{"Extra": "order-1"})
	if want := p.BaseURL + "/reflect/?token=" + token; vurl != want {
		t.Errorf("VerificationURL %q, want %q", vurl, want)
	}
	var sess map[string]any
	if code := controlJSON(t, http.MethodPost, p.BaseURL+"/_emulator/sessions/"+token+"/complete", map[string]any{"ErrorCode": 0}, &sess); code != http.StatusOK {
		t.Fatalf("complete: %d %v", code, sess)
	}
	if got := shipGetResult(t, p.target, cred, token); got["ErrorCode"] != float64(0) {
		t.Errorf("Get after complete: ErrorCode %v (%v)", got["ErrorCode"], got)
	}

	// The mounted scenarios are loaded: vip-pass (Extra "vip-...")
	// completes when the verification page is opened.
	var list struct {
		Scenarios []struct{ Name, Source string }
	}
	controlJSON(t, http.MethodGet, p.BaseURL+"/_emulator/scenarios", nil, &list)
	if !slices.ContainsFunc(list.Scenarios, func(s struct{ Name, Source string }) bool { return s.Name == "vip-pass" }) {
		t.Errorf("scenario vip-pass from /scenarios/merchant.yaml is not loaded (%d scenarios)", len(list.Scenarios))
	}
	vipToken, vipURL := apply(t, c, map[string]any{"Extra": "vip-7"})
	resp, err := http.Get(vipURL) // the page and its assets are embedded in the binary
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(page) == 0 {
		t.Errorf("verification page: %s, %d bytes", resp.Status, len(page))
	}
	if got := shipGetResult(t, p.target, cred, vipToken); got["ErrorCode"] != float64(0) {
		t.Errorf("vip-pass session: ErrorCode %v after opening the page, want 0 without a complete call", got["ErrorCode"])
	}

	// HEALTHCHECK: the image's EMULATOR_ADDR is ":8780" (wildcard host);
	// the healthcheck dials loopback for it.
	for _, addr := range []string{":" + port, p.Endpoint} {
		if code, out := shipHealthcheck(t, root, addr); code != 0 {
			t.Errorf("healthcheck EMULATOR_ADDR=%s while serving: exit %d: %s", addr, code, out)
		}
	}

	shipTerminate(t, p)
	if code, out := shipHealthcheck(t, root, ":"+port); code != 1 {
		t.Errorf("healthcheck after stop: exit %d, want 1: %s", code, out)
	}

	// /data (owned by 65532) keeps sessions across a restart.
	entries, _ := os.ReadDir(filepath.Join(root, "data"))
	if len(entries) == 0 {
		t.Error("nothing was written to /data")
	}
	p2 := shipStartChrooted(t, root, env)
	if got := shipGetResult(t, p2.target, cred, token); got["ErrorCode"] != float64(0) {
		t.Errorf("after restart with EMULATOR_DATA_DIR=/data: ErrorCode %v, want 0", got["ErrorCode"])
	}
	shipTerminate(t, p2)

	// Nothing was written outside /data: the root stays as the image has it.
	var written []string
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, path)
		if err == nil && rel != "." && rel != "emulator" && rel != "data" && !strings.HasPrefix(rel, "data"+string(filepath.Separator)) &&
			rel != "scenarios" && rel != filepath.Join("scenarios", "merchant.yaml") {
			written = append(written, rel)
		}
		return nil
	})
	if len(written) > 0 {
		t.Errorf("the emulator wrote outside /data: %v", written)
	}
}
