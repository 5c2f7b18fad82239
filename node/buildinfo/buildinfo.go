// Package buildinfo reports which build of Cairn is running: the version,
// the source revision and the Go toolchain. `cairn version`, the /healthz
// endpoint and the cairn_build_info metric all read it.
//
// Release builds set the version at link time:
//
//	go build -ldflags "-X github.com/cairn-node/cairn/node/buildinfo.version=v0.1.0" ./cmd/cairn
//
// Without it the module version from the build info is used, "devel" for a
// build from a work tree.
package buildinfo

import (
	"runtime"
	"runtime/debug"
	"sync"
)

// version is set with -ldflags -X (see the package doc).
var version string

// Info describes the running binary. Every field is set; unknown values are
// "unknown".
type Info struct {
	// Version is the release version, e.g. "v0.1.0", or "devel".
	Version string `json:"version"`
	// Revision is the VCS revision, with "-dirty" when the tree had
	// uncommitted changes.
	Revision string `json:"revision"`
	// GoVersion is the toolchain that built the binary, e.g. "go1.26.8".
	GoVersion string `json:"go_version"`
	// Platform is GOOS/GOARCH.
	Platform string `json:"platform"`
}

var (
	readOnce sync.Once
	info     Info
)

// Read returns the build information; safe for concurrent use.
func Read() Info {
	readOnce.Do(func() {
		info = Info{
			Version:   version,
			Revision:  "unknown",
			GoVersion: runtime.Version(),
			Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		}
		bi, ok := debug.ReadBuildInfo()
		if info.Version == "" {
			info.Version = "devel"
			if ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				info.Version = bi.Main.Version
			}
		}
		if !ok {
			return
		}
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && info.Revision != "unknown" {
			info.Revision += "-dirty"
		}
	})
	return info
}
