//go:build !linux

package appliance

import "context"

// Run reports ErrNotPID1: only Linux boots a Cairn image.
func Run(ctx context.Context, o Options) error { return ErrNotPID1 }
