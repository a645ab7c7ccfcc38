package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// floorSource is the bare net/http server the emulator is compared with: it
// drains the body and answers the same fixed JSON on every path (health
// included), with the emulator's server timeouts. Everything the emulator
// costs on top of it is signature checking, parameter decoding, the session
// store, the journal, the request log and the envelope.
const floorSource = `package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

var body = []byte(` + "`" + `{"Response":{"BizToken":"3F2504E0-4F89-11D3-9A0C-0305E82C3301","VerificationURL":"http://127.0.0.1/reflect/?token=3F2504E0-4F89-11D3-9A0C-0305E82C3301","RequestId":"7b1f6c3e-2a4d-4e0b-9d51-3c1a1f0e8b2a"}}` + "`" + `)

func main() {
	ln, err := net.Listen("tcp", os.Getenv("FLOOR_ADDR"))
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	cl := strconv.Itoa(len(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		hd := w.Header()
		hd.Set("Content-Type", "application/json")
		hd.Set("Content-Length", cl)
		_, _ = w.Write(body)
	})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	_ = srv.Serve(ln)
}
`

// buildFloor writes the floor server to dir and builds it with the release
// flags of scripts/build.sh, so both binaries are built alike.
func buildFloor(dir string) (string, error) {
	src := filepath.Join(dir, "floor-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte("module floor\n\ngo 1.22\n"), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(floorSource), 0o644); err != nil {
		return "", err
	}
	return goBuild(src, ".", filepath.Join(dir, "floor"), "GOWORK=off")
}

// buildSignatureFloor builds emulator/internal/sigfloor, the floor plus the
// emulator's signature check, like the floor.
func buildSignatureFloor(root, dir string) (string, error) {
	return goBuild(root, "./emulator/internal/sigfloor", filepath.Join(dir, "sigfloor"))
}

// goBuild builds pkg in dir to out with the release flags of
// scripts/build.sh.
func goBuild(dir, pkg, out string, env ...string) (string, error) {
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS="), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %v\n%s", filepath.Base(out), err, b)
	}
	return out, nil
}

// buildEmulator builds the release binary with scripts/build.sh.
func buildEmulator(root, dir string) (string, error) {
	out := filepath.Join(dir, "emulator")
	cmd := exec.Command("sh", filepath.Join(root, "scripts", "build.sh"), out, "bench")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build emulator: %v\n%s", err, b)
	}
	return out, nil
}
