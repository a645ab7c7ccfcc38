package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

func versionString() string {
	v, c := version, commit
	if info, ok := debug.ReadBuildInfo(); ok && v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		v = info.Main.Version // go install ...@version
	}
	return fmt.Sprintf("faceid-emulator %s (commit %s, %s %s/%s)", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
