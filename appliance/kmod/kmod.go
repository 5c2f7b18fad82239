// Package kmod loads the kernel modules an image ships: the names listed
// in [ListPath], each with its dependencies from the image's modules.dep,
// in list order, through u-root's kmodule prober.
//
// The image builder writes the list in the order modules must load (for
// example crc32c_generic before ext4, which needs a crc32c implementation
// registered before its first mount).
//
// Loading is best-effort: a missing or failing module is reported, and the
// caller decides whether the boot can go on without it.
package kmod

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ListPath is where the image builder puts the list of modules to load.
const ListPath = "/etc/modules.list"

// ParseList reads a modules list: one module name per line; blank lines
// and lines starting with '#' are skipped; surrounding spaces are ignored.
// Names keep their spelling (the prober matches '-' and '_' both ways).
func ParseList(r io.Reader) ([]string, error) {
	var names []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, " \t/") {
			return nil, fmt.Errorf("kmod: modules list line %d: %q is not a module name", n, line)
		}
		names = append(names, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("kmod: read modules list: %w", err)
	}
	return names, nil
}
