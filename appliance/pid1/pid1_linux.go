package pid1

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// MountAll creates the mount points and mounts [Mounts] in order. A mount
// point that already holds a mount (EBUSY) counts as done. It returns the
// errors of the required mounts joined; optional failures go to warn,
// which may be nil.
func MountAll(warn func(msg string, err error)) error {
	var errs []error
	for _, m := range Mounts {
		err := os.MkdirAll(m.Target, 0o755)
		if err == nil {
			err = unix.Mount(m.Source, m.Target, m.FSType, m.Flags, m.Data)
		}
		if err == nil || errors.Is(err, unix.EBUSY) {
			continue
		}
		err = fmt.Errorf("pid1: mount %s on %s: %w", m.FSType, m.Target, err)
		if m.Required {
			errs = append(errs, err)
		} else if warn != nil {
			warn("optional mount failed", err)
		}
	}
	return errors.Join(errs...)
}

// DisableCtrlAltDel makes the kernel send SIGINT to PID 1 on Ctrl-Alt-Del
// instead of resetting the machine at once without a sync.
func DisableCtrlAltDel() error {
	if err := unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF); err != nil {
		return fmt.Errorf("pid1: disable Ctrl-Alt-Del: %w", err)
	}
	return nil
}

// Reaper reaps every child of PID 1, including orphans reparented to it,
// and hands the exit status of the children started through it to their
// starter. It implements the supervise package's Starter. Use one Reaper
// per process, created with NewReaper.
//
// The Reaper waits for any child, so nothing else in the process may call
// wait (exec.Cmd.Wait, os.Process.Wait): start every child through it.
//
// concurrency: Start and the reaping goroutine serialise on mu, so a child
// cannot be reaped before Start has registered its pid.
type Reaper struct {
	mu struct {
		sync.Mutex
		waiting map[int]waiter
	}
	stop chan struct{}
	done chan struct{}
}

// waiter is a child started through Start.
type waiter struct {
	status chan syscall.WaitStatus
	proc   *os.Process
}

// reapEvery bounds how long an orphan can stay a zombie if a SIGCHLD is
// coalesced with another.
const reapEvery = 5 * time.Second

// NewReaper starts reaping on SIGCHLD. Call Close to stop.
func NewReaper() *Reaper {
	r := &Reaper{stop: make(chan struct{}), done: make(chan struct{})}
	r.mu.waiting = make(map[int]waiter)
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGCHLD)
	go func() {
		defer close(r.done)
		defer signal.Stop(sigc)
		t := time.NewTicker(reapEvery)
		defer t.Stop()
		for {
			r.reap()
			select {
			case <-r.stop:
				return
			case <-sigc:
			case <-t.C:
			}
		}
	}()
	return r
}

// Start starts cmd and returns a channel that receives its wait status
// once. cmd must not be waited for with cmd.Wait, and its Stdout/Stderr
// must be nil or *os.File (os/exec copy goroutines only finish in Wait).
func (r *Reaper) Start(cmd *exec.Cmd) (<-chan syscall.WaitStatus, error) {
	for _, w := range []any{cmd.Stdout, cmd.Stderr} {
		if w != nil {
			if _, ok := w.(*os.File); !ok {
				return nil, errors.New("pid1: BUG: Reaper.Start needs *os.File output, not a copying writer")
			}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ch := make(chan syscall.WaitStatus, 1)
	r.mu.waiting[cmd.Process.Pid] = waiter{status: ch, proc: cmd.Process}
	return ch, nil
}

// reap collects every exited child without blocking.
func (r *Reaper) reap() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return // ECHILD: no children; 0: none exited
		}
		if w, ok := r.mu.waiting[pid]; ok {
			delete(r.mu.waiting, pid)
			w.proc.Release() // frees the pidfd os/exec holds; nobody calls Wait
			w.status <- syscall.WaitStatus(ws)
		}
	}
}

// Close stops reaping. Children started through r and not yet reaped
// never report.
func (r *Reaper) Close() {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	<-r.done
}

// Shutdown syncs, unmounts mountpoints (deepest first; lazily if busy),
// syncs again and reboots or powers off. On success it does not return.
func Shutdown(a Action, mountpoints []string, logf func(format string, args ...any)) error {
	unix.Sync()
	mps := slices.Clone(mountpoints)
	slices.SortFunc(mps, func(x, y string) int { return len(y) - len(x) })
	for _, mp := range mps {
		if err := unix.Unmount(mp, 0); err != nil {
			logf("unmount %s: %v; detaching it lazily", mp, err)
			if err := unix.Unmount(mp, unix.MNT_DETACH); err != nil {
				logf("unmount %s lazily: %v", mp, err)
			}
			continue
		}
		logf("unmounted %s", mp)
	}
	unix.Sync()
	cmd := unix.LINUX_REBOOT_CMD_RESTART
	if a == PowerOff {
		cmd = unix.LINUX_REBOOT_CMD_POWER_OFF
	}
	logf("%s now", a)
	if err := unix.Reboot(cmd); err != nil {
		return fmt.Errorf("pid1: %s: %w", a, err)
	}
	return nil
}
