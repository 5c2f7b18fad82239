package debian

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Archive names Debian sources that the host's apt is not configured for:
// another suite (a newer kernel) or another component (non-free-firmware).
// Packages from it are fetched through a private apt state under the
// cache directory, so the host's /etc/apt is neither read for them nor
// changed. The zero Archive means the host's own sources.
type Archive struct {
	// Suite is the release ("bookworm", "forky").
	Suite string
	// Components are the archive areas ("main", "non-free-firmware").
	Components []string
}

// Defaults of a private apt state.
const (
	// ArchiveKeyring verifies the signed Release files of an Archive; the
	// debian-archive-keyring package installs it.
	ArchiveKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
	// archiveMaxAge is how old an Archive's package lists may be before
	// a fetch runs apt-get update on them again.
	archiveMaxAge = 24 * time.Hour
)

// IsZero reports whether a is the host's own sources.
func (a Archive) IsZero() bool { return a.Suite == "" }

// String is "suite/comp1,comp2".
func (a Archive) String() string { return a.Suite + "/" + strings.Join(a.Components, ",") }

// SourcesList returns the one-line sources.list of a on mirror.
func (a Archive) SourcesList(mirror string) string {
	return fmt.Sprintf("deb [signed-by=%s] %s %s %s\n", ArchiveKeyring, mirror, a.Suite, strings.Join(a.Components, " "))
}

// ParseMirror picks the Debian mirror from `apt-get indextargets --format
// '$(ORIGIN) $(REPO_URI) $(RELEASE)'` output: the first Debian repository
// that is not the security archive.
func ParseMirror(out string) (string, bool) {
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "Debian" && !strings.Contains(f[2], "security") {
			return strings.TrimSuffix(f[1], "/"), true
		}
	}
	return "", false
}

// aptOptions returns the apt-get/apt-cache options that point apt at the
// private state of c.Archive for arch, running apt-get update when its
// lists are missing or older than archiveMaxAge. It returns nil for the
// zero Archive.
func (c Cache) aptOptions(ctx context.Context, arch string) ([]string, error) {
	a := c.Archive
	if a.IsZero() {
		return nil, nil
	}
	if _, err := os.Stat(ArchiveKeyring); err != nil {
		return nil, fmt.Errorf("debian: %s is missing, so %s cannot be verified; apt-get install debian-archive-keyring", ArchiveKeyring, a)
	}
	dir := filepath.Join(c.Dir, "apt", a.Suite+"_"+strings.Join(a.Components, "+")+"_"+arch)
	opts := []string{
		"-o", "Dir::Etc::SourceList=" + filepath.Join(dir, "sources.list"),
		"-o", "Dir::Etc::SourceParts=/dev/null",
		"-o", "Dir::State::Lists=" + filepath.Join(dir, "lists"),
		"-o", "Dir::Cache=" + filepath.Join(dir, "cache"),
		"-o", "APT::Architecture=" + arch, // arch-all packages are listed under the native one
		"-o", "APT::Architectures::=" + arch,
		"-o", "Acquire::Languages=none",
		"-o", "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
		"-o", "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false",
		"-o", "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false",
		"-o", "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false",
	}
	mark := filepath.Join(dir, "updated")
	if st, err := os.Stat(mark); err == nil && time.Since(st.ModTime()) < archiveMaxAge {
		return opts, nil
	}
	out, err := run(ctx, "", "apt-get", "indextargets", "--format", "$(ORIGIN) $(REPO_URI) $(RELEASE)")
	if err != nil {
		return nil, err
	}
	mirror, ok := ParseMirror(out)
	if !ok {
		return nil, fmt.Errorf("debian: the host's apt has no Debian mirror to fetch %s from; add one to /etc/apt/sources.list and run 'apt-get update'", a)
	}
	for _, d := range []string{"lists/partial", "cache/archives/partial"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("debian: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "sources.list"), []byte(a.SourcesList(mirror)), 0o644); err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	if _, err := run(ctx, "", "apt-get", append(opts, "-q", "--error-on=any", "update")...); err != nil {
		return nil, fmt.Errorf("%w; the %s lists in %s could not be updated", err, a, dir)
	}
	if err := os.WriteFile(mark, nil, 0o644); err != nil {
		return nil, fmt.Errorf("debian: %w", err)
	}
	return opts, nil
}
