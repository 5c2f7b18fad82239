package kmod

import (
	"errors"
	"fmt"
	"os"

	"github.com/u-root/u-root/pkg/kmodule"
)

// Load reads the list at ListPath and loads each module with its
// dependencies, in list order. It returns the names it loaded (or found
// already loaded or built in) and every failure joined; it goes on after a
// failure.
func Load() (loaded []string, err error) {
	f, err := os.Open(ListPath)
	if err != nil {
		return nil, fmt.Errorf("kmod: %w; the image has no modules list (rebuild it with 'cairn image build')", err)
	}
	names, err := ParseList(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	p, err := kmodule.NewProber(kmodule.ProbeOpts{})
	if err != nil {
		return nil, fmt.Errorf("kmod: read modules.dep: %w", err)
	}
	var errs []error
	for _, name := range names {
		if err := p.Probe(name, ""); err != nil {
			errs = append(errs, fmt.Errorf("kmod: load %s: %w", name, err))
			continue
		}
		loaded = append(loaded, name)
	}
	return loaded, errors.Join(errs...)
}
