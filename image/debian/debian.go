// Package debian fetches Debian packages for image builds through the
// host's apt: it resolves a meta package to the package it depends on
// (the current kernel ABI), downloads the .deb with apt-get (which checks
// it against the signed archive index), checks its SHA-256 against the
// index once more, and extracts it with dpkg-deb into a cache that later
// builds reuse.
//
// # Usage
//
//	c := debian.Cache{Dir: filepath.Join(debian.DefaultCacheDir(), "kernels")}
//	name, err := debian.ResolveDepends(ctx, "linux-image-amd64", "amd64", "linux-image-")
//	pkg, err := c.Fetch(ctx, name, "amd64") // pkg.Dir holds the files, pkg.SHA256 the .deb's
//
// A Cache with an [Archive] fetches from a suite or component the host's
// apt is not set up for (forky's kernel, non-free-firmware) through a
// private apt state in the cache, from the host's Debian mirror:
//
//	c := debian.Cache{Dir: dir, Archive: debian.Archive{Suite: "bookworm", Components: []string{"non-free-firmware"}}}
//	pkg, err := c.Fetch(ctx, "raspi-firmware", "arm64")
//
// It needs apt-get, apt-cache and dpkg-deb (a Debian or Ubuntu host); the
// errors say which command failed and how to get it.
package debian

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Package is a downloaded and extracted Debian package.
type Package struct {
	// Name, Version and Arch identify it ("linux-image-6.1.0-56-amd64",
	// "6.1.192-2", "amd64").
	Name, Version, Arch string
	// SHA256 is the hex SHA-256 of the .deb, checked against the archive
	// index.
	SHA256 string
	// Deb is the path of the .deb in the cache.
	Deb string
	// Dir is the directory the package was extracted into; treat it as
	// read-only.
	Dir string
}

// DefaultCacheDir returns ${XDG_CACHE_HOME:-~/.cache}/cairn.
func DefaultCacheDir() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "cairn")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".cache", "cairn")
	}
	return filepath.Join(os.TempDir(), "cairn-cache")
}

// ParseDepends returns the first package named in the Depends lines of
// `apt-cache depends` output that starts with prefix and is followed by a
// digit (the ABI-versioned package of a meta package).
func ParseDepends(out, prefix string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || f[0] != "Depends:" {
			continue
		}
		name, _, _ := strings.Cut(f[1], ":") // drop an ":arm64" qualifier
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" && rest[0] >= '0' && rest[0] <= '9' {
			return name, true
		}
	}
	return "", false
}

// Record is the part of an `apt-cache show` record a fetch needs.
type Record struct {
	Package, Version, Architecture, Filename, SHA256 string
}

// ParseShow reads the first record of `apt-cache show --no-all-versions`
// output.
func ParseShow(out string) (Record, error) {
	var r Record
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" && r.Package != "" {
			break
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch k {
		case "Package":
			r.Package = v
		case "Version":
			r.Version = v
		case "Architecture":
			r.Architecture = v
		case "Filename":
			r.Filename = v
		case "SHA256":
			r.SHA256 = v
		}
	}
	if r.Package == "" || r.Version == "" || len(r.SHA256) != 64 {
		return Record{}, fmt.Errorf("debian: apt-cache show gave no package record with a version and SHA256")
	}
	return r, nil
}
