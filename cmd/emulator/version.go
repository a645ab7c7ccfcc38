package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionString is the version, commit and Go version. The first two come
// from the -X flags of scripts/build.sh; a plain go build or go install
// falls back to what the Go toolchain recorded.
func versionString() string {
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version // go install ...@version
		}
		if c == "none" {
			c = vcsRevision(info.Settings)
		}
	}
	return fmt.Sprintf("faceid-emulator %s (commit %s, %s %s/%s)", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// vcsRevision is the short commit recorded by go build in a checkout
// (-buildvcs), with "-dirty" for uncommitted changes, or "none".
func vcsRevision(settings []debug.BuildSetting) string {
	rev, dirty := "", false
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "none"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}
