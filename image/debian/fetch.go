package debian

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Cache downloads and extracts packages under Dir: .deb files in Dir/debs,
// each extracted package in Dir/<name>_<version>_<arch>. A package
// directory is complete once it holds its SHA-256 mark (extraction renames
// a finished temporary directory into place), so an interrupted build
// leaves nothing half-extracted behind. Builds sharing a Dir must not run
// at the same time.
type Cache struct {
	Dir string
	// Archive, when not zero, is where packages come from instead of the
	// host's apt sources (its lists are kept under Dir/apt).
	Archive Archive
}

// extractedMark is the file written last into an extracted directory,
// holding the .deb's SHA-256.
const extractedMark = ".cairn-sha256"

// ResolveDepends returns the package a meta package depends on whose name
// starts with prefix and a digit: ResolveDepends(ctx, "linux-image-amd64",
// "amd64", "linux-image-") is the current kernel ABI package.
func ResolveDepends(ctx context.Context, meta, arch, prefix string) (string, error) {
	return Cache{}.ResolveDepends(ctx, meta, arch, prefix)
}

// ResolveDepends is the package function ResolveDepends, asked of
// c.Archive.
func (c Cache) ResolveDepends(ctx context.Context, meta, arch, prefix string) (string, error) {
	opts, err := c.aptOptions(ctx, arch)
	if err != nil {
		return "", err
	}
	out, err := run(ctx, "", "apt-cache", append(opts, "depends", meta+":"+arch)...)
	if err != nil {
		return "", err
	}
	name, ok := ParseDepends(out, prefix)
	if !ok {
		return "", fmt.Errorf("debian: %s depends on no %s<version> package; run 'apt-get update' (and 'dpkg --add-architecture %s' for another architecture)", meta, prefix, arch)
	}
	return name, nil
}

// Fetch returns the package name:arch at the version apt would install,
// downloading and extracting it unless the cache has it already.
func (c Cache) Fetch(ctx context.Context, name, arch string) (Package, error) {
	opts, err := c.aptOptions(ctx, arch)
	if err != nil {
		return Package{}, err
	}
	out, err := run(ctx, "", "apt-cache", append(opts, "show", "--no-all-versions", name+":"+arch)...)
	if err != nil {
		return Package{}, err
	}
	rec, err := ParseShow(out)
	if err != nil {
		return Package{}, fmt.Errorf("%w for %s:%s", err, name, arch)
	}
	p := Package{Name: rec.Package, Version: rec.Version, Arch: rec.Architecture, SHA256: rec.SHA256}
	base := strings.ReplaceAll(fmt.Sprintf("%s_%s_%s", p.Name, p.Version, p.Arch), ":", "%3a")
	p.Dir = filepath.Join(c.Dir, base)
	p.Deb = filepath.Join(c.Dir, "debs", base+".deb")
	if mark, err := os.ReadFile(filepath.Join(p.Dir, extractedMark)); err == nil && string(mark) == p.SHA256 {
		return p, nil // cached
	}
	if err := c.download(ctx, p, opts); err != nil {
		return Package{}, err
	}
	if err := extract(ctx, p); err != nil {
		return Package{}, err
	}
	return p, nil
}

// download puts the .deb at p.Deb and checks its SHA-256.
func (c Cache) download(ctx context.Context, p Package, opts []string) error {
	if sum, err := fileSHA256(p.Deb); err == nil && sum == p.SHA256 {
		return nil
	}
	dir := filepath.Dir(p.Deb)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	if _, err := run(ctx, dir, "apt-get", append(opts, "download", p.Name+":"+p.Arch+"="+p.Version)...); err != nil {
		return err
	}
	sum, err := fileSHA256(p.Deb)
	if err != nil {
		return fmt.Errorf("debian: apt-get download left no %s: %w", p.Deb, err)
	}
	if sum != p.SHA256 {
		os.Remove(p.Deb)
		return fmt.Errorf("debian: %s has SHA-256 %s, the archive index says %s; deleted it, run the build again", p.Deb, sum, p.SHA256)
	}
	return nil
}

// extract unpacks p.Deb into p.Dir through a temporary directory.
func extract(ctx context.Context, p Package) error {
	tmp := p.Dir + ".tmp"
	os.RemoveAll(tmp)
	if _, err := run(ctx, "", "dpkg-deb", "-x", p.Deb, tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.WriteFile(filepath.Join(tmp, extractedMark), []byte(p.SHA256), 0o644); err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	os.RemoveAll(p.Dir)
	if err := os.Rename(tmp, p.Dir); err != nil {
		return fmt.Errorf("debian: %w", err)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// run runs a command in dir and returns its stdout; the error carries its
// stderr and what to install when the command is missing.
func run(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("debian: %s not found; image builds need a Debian or Ubuntu host with apt and dpkg", name)
		}
		return "", fmt.Errorf("debian: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
