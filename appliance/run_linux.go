package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cairn-node/cairn/appliance/datadisk"
	"github.com/cairn-node/cairn/appliance/kmod"
	"github.com/cairn-node/cairn/appliance/netup"
	"github.com/cairn-node/cairn/appliance/pid1"
	"github.com/cairn-node/cairn/appliance/powerbutton"
	"github.com/cairn-node/cairn/appliance/supervise"
	"github.com/cairn-node/cairn/appliance/timesync"
	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/appliance/watchdog"
)

// Run does the boot steps listed in the package documentation, supervises
// the node, and on a shutdown request stops it and reboots or powers off.
// It is meant for PID 1 and does not return when the shutdown succeeds;
// it returns ErrNotPID1 in any other process, and an error when the final
// reboot system call fails (the caller must then block, not exit).
func Run(ctx context.Context, o Options) error {
	if os.Getpid() != 1 {
		return ErrNotPID1
	}
	o.EnsureDefaults()
	log := o.Logger.With("subsys", "appliance")
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR2)
	reaper := pid1.NewReaper()
	defer reaper.Close()
	runCtx, stopNode := context.WithCancel(ctx)
	defer stopNode()

	st, err := boot(runCtx, o.Logger)
	nodeDone, mdnsDone := make(chan struct{}), make(chan struct{})
	if err == nil {
		go func() {
			defer close(nodeDone)
			o.superviseNode(runCtx, reaper, log)
		}()
		// Best-effort: without mDNS the box is reached by its address.
		go func() {
			defer close(mdnsDone)
			o.serveMDNS(runCtx, readCmdline(), o.Logger.With("subsys", "appliance/mdns"))
		}()
	} else {
		close(nodeDone)
		close(mdnsDone)
		go reportForever(runCtx, log, err)
	}
	// Best-effort, in the background, on the boot after an update only:
	// commit the new slot once the node is healthy, or reboot into the
	// previous one at the deadline, even when a required step failed
	// (package update).
	trialFailed := update.Watch(runCtx, readCmdline(), o.HealthURL(), o.Logger.With("subsys", "appliance/update"))

	var action pid1.Action
	select {
	case sig := <-sigc:
		s, _ := sig.(syscall.Signal)
		action, _ = pid1.ActionFor(s)
		log.Info("shutdown requested", "signal", sig, "action", action)
	case <-trialFailed:
		action = pid1.Reboot
		log.Info("shutdown requested", "by", "failed update trial", "action", action)
	case <-st.presses:
		action = pid1.PowerOff
		log.Info("shutdown requested", "by", "power button", "action", action)
	case <-ctx.Done():
		action = pid1.PowerOff
		log.Info("shutdown requested", "cause", context.Cause(ctx), "action", action)
	}
	stopNode()
	<-nodeDone
	<-mdnsDone // the goodbye packets are out
	return pid1.Shutdown(action, st.mounted, func(format string, args ...any) {
		log.Info(fmt.Sprintf(format, args...))
	})
}

// bootState is what the boot steps leave for the shutdown.
type bootState struct {
	// mounted lists the mount points to unmount at shutdown.
	mounted []string
	// presses reports power button presses; nil (never ready) without one.
	presses <-chan struct{}
}

// boot runs the boot steps in order, logging to base with a subsys per
// step. It returns an error when a required step failed; the node must not
// start then.
func boot(ctx context.Context, base *slog.Logger) (bootState, error) {
	var st bootState
	log := base.With("subsys", "appliance")
	start := time.Now()
	// Required: without /proc, /sys and /dev nothing below works.
	if err := pid1.MountAll(func(msg string, err error) { log.Warn(msg, "err", err) }); err != nil {
		return st, err
	}
	// Best-effort: without it Ctrl-Alt-Del resets without a sync.
	if err := pid1.DisableCtrlAltDel(); err != nil {
		log.Warn("Ctrl-Alt-Del still resets at once", "err", err)
	}
	// Best-effort: a missing module shows up below as a missing disk or
	// link, with its own message.
	loaded, err := kmod.Load()
	log.Info("kernel modules loaded", "count", len(loaded), "elapsed", since(start))
	if err != nil {
		log.Warn("some kernel modules did not load", "err", err)
	}
	// Best-effort: a board without a watchdog runs without one. Feeding
	// stops when ctx ends, at the start of the shutdown, so a shutdown
	// that hangs still ends in a reset.
	if wd, err := watchdog.Open(watchdog.Dev); err == nil {
		go watchdog.Feed(ctx, wd, base)
	} else if errors.Is(err, watchdog.ErrNoWatchdog) {
		log.Info("no hardware watchdog")
	} else {
		log.Warn("hardware watchdog not fed", "err", err)
	}
	// Required: the node's state lives on the data partition.
	var dc datadisk.Config
	dc.EnsureDefaults()
	dev, err := datadisk.Mount(ctx, dc)
	if dev != "" {
		st.mounted = append(st.mounted, dc.MountPoint)
	}
	if err != nil {
		return st, err
	}
	log.Info("data partition mounted", "dev", dev, "at", dc.MountPoint, "elapsed", since(start))
	// Best-effort: an image flashed onto a larger medium grows its data
	// partition to fill it; the node runs on the smaller one otherwise.
	if g, err := datadisk.Grow(dev, dc); err != nil {
		log.Warn("data partition not grown", "err", err)
	} else if g != nil {
		log.Info("data partition grown", "from_mib", g.OldSize>>20, "to_mib", g.NewSize>>20, "elapsed", since(start))
	}
	// Best-effort, and in the background: the node listens on every
	// address, so it can start while DHCP still waits for a link.
	// Then the clock, best-effort too (SNTP; see package timesync).
	cmdline := readCmdline()
	nc, err := netup.ParseCmdline(cmdline)
	if err != nil {
		log.Warn("kernel command line", "err", err)
	}
	go func() {
		if err := netup.Up(ctx, nc, base.With("subsys", "appliance/netup")); err != nil {
			log.Warn("network not fully up", "err", err)
		}
		log.Info("network up", "elapsed", since(start))
		off, err := timesync.Sync(ctx, timesync.ServersFromCmdline(cmdline))
		if err != nil {
			log.Warn("clock not synchronised", "err", err)
			return
		}
		log.Info("clock synchronised", "offset", off, "stepped", off.Abs() >= timesync.MaxDrift)
	}()
	// Best-effort: without a power button, Ctrl-Alt-Del and signals
	// still shut down.
	if st.presses, err = powerbutton.Watch(ctx, "/dev/input"); err != nil {
		log.Warn("power button not watched", "err", err)
	}
	return st, nil
}

// superviseNode runs the node until ctx ends.
func (o Options) superviseNode(ctx context.Context, reaper *pid1.Reaper, log *slog.Logger) {
	dataDir := (&datadisk.Config{}).NodeDataDir()
	cfgFile := filepath.Join(datadisk.DefaultMountPoint, "cairn.toml")
	if _, err := os.Stat(cfgFile); err != nil {
		cfgFile = ""
	}
	env := []string{"PATH=/bin", "HOME=" + dataDir}
	s := supervise.New(supervise.Service{Name: "node", Path: o.Exe, Args: o.NodeArgs(dataDir, cfgFile), Env: env},
		supervise.WithStarter(reaper), supervise.WithConsole(o.Console), supervise.WithRing(o.Ring),
		supervise.WithLogger(o.Logger))
	if err := s.Run(ctx); err != nil {
		log.Error("node not started", "err", err)
	}
}

// reportForever repeats why the boot stopped until ctx ends, so a person
// at the console sees it whenever they look.
func reportForever(ctx context.Context, log *slog.Logger, err error) {
	for {
		log.Error("boot stopped; fix this, then press Ctrl-Alt-Del to reboot", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(requiredRetry):
		}
	}
}

func readCmdline() string {
	b, err := os.ReadFile("/proc/cmdline")
	if err != nil {
		return ""
	}
	return string(b)
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }
