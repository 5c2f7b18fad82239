//go:build unix && !aix

package node

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// dirLock is an flock(2) on the data directory's lock file. The kernel
// drops the lock when the process dies, so a crashed node leaves a stale
// file but never a stale lock.
type dirLock struct {
	path string
	f    *os.File
}

// lockAttempts bounds the retries of lockDir when the lock file is replaced
// under it.
const lockAttempts = 5

// lockDir takes the lock of dir without waiting and writes this process's
// PID into the lock file. It returns an error wrapping ErrLocked when
// another process holds it.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, LockFile)
	for range lockAttempts {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("node: open lock file: %w; fix the data dir's permissions or pass another --data-dir", err)
		}
		if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
			pid := readPID(f)
			f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				return nil, fmt.Errorf("%w: %s is held by another cairn node (pid %s); stop that node or pass another --data-dir",
					ErrLocked, dir, pid)
			}
			return nil, fmt.Errorf("node: lock %s: %w", path, err)
		}
		// The previous owner removes the file before unlocking it. If that
		// happened between our open and flock, we hold the lock of an
		// unlinked file: start again with the file now at path.
		fi, err1 := f.Stat()
		pi, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
			f.Close()
			continue
		}
		if err := writePID(f); err != nil {
			os.Remove(path)
			f.Close()
			return nil, fmt.Errorf("node: write lock file %s: %w", path, err)
		}
		return &dirLock{path: path, f: f}, nil
	}
	return nil, fmt.Errorf("node: lock %s: the file keeps being replaced; is another program deleting it?", path)
}

// release removes the lock file and then drops the lock, in that order, so
// that no other node can lock the file and see it vanish.
func (l *dirLock) release() error {
	var errs []error
	if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("node: remove lock file: %w", err))
	}
	if err := l.f.Close(); err != nil {
		errs = append(errs, fmt.Errorf("node: close lock file: %w", err))
	}
	return errors.Join(errs...)
}

func writePID(f *os.File) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID returns the PID written in the lock file, or "unknown".
func readPID(f *os.File) string {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 32))
	if pid := strings.TrimSpace(string(b)); err == nil && pid != "" {
		return pid
	}
	return "unknown"
}
