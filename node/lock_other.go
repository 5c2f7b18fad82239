//go:build !unix || aix

package node

import (
	"fmt"
	"runtime"
)

// dirLock is not implemented here: see lock_unix.go.
type dirLock struct{}

// lockDir reports that this platform cannot lock the data directory. The
// node refuses to run rather than risk two nodes sharing one directory.
func lockDir(dir string) (*dirLock, error) {
	return nil, fmt.Errorf("node: locking the data dir is not implemented on %s; run cairn on Linux, macOS or a BSD", runtime.GOOS)
}

func (l *dirLock) release() error { return nil }
