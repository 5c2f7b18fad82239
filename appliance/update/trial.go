package update

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// Defaults of a trial boot.
const (
	// DefaultDeadline is how long a trial boot has, from the end of PID
	// 1's boot steps to a healthy node, before PID 1 gives up and reboots
	// into the other slot. A healthy node answers in 10–15 s on a 2-core box under
	// emulation; real hardware needs less.
	DefaultDeadline = 90 * time.Second
	// pollEvery is how often a trial boot asks the node whether it is
	// healthy.
	pollEvery = time.Second
)

// ErrTrialFailed is returned by Trial when the node did not become
// healthy before the deadline: the caller reboots, and systemd-boot,
// which has counted the try, boots the other slot.
var ErrTrialFailed = errors.New("update: the updated slot did not become healthy in time; rebooting into the previous slot")

// Boot is what the kernel command line says about the running boot.
type Boot struct {
	// Slot is cairn.slot; empty on images without slots.
	Slot Slot
	// Trial is cairn.trial=1: the slot was just written and must prove
	// healthy within Deadline, or PID 1 reboots into the other slot.
	Trial bool
	// Deadline is cairn.trial_deadline; DefaultDeadline when absent.
	Deadline time.Duration
}

// ParseBoot reads cairn.slot, cairn.trial and cairn.trial_deadline from a
// kernel command line. A trial without a slot is no trial.
func ParseBoot(cmdline string) (Boot, error) {
	b := Boot{Deadline: DefaultDeadline}
	if s, ok := CmdlineValue(cmdline, CmdlineSlot); ok {
		if b.Slot = Slot(s); !b.Slot.Valid() {
			return Boot{}, fmt.Errorf("update: %s=%q on the kernel command line, want a or b", CmdlineSlot, s)
		}
	}
	if t, ok := CmdlineValue(cmdline, CmdlineTrial); ok {
		v, err := strconv.ParseBool(t)
		if err != nil {
			return Boot{}, fmt.Errorf("update: %s=%q on the kernel command line, want 1 or 0", CmdlineTrial, t)
		}
		b.Trial = v && b.Slot != ""
	}
	if d, ok := CmdlineValue(cmdline, CmdlineDeadline); ok {
		v, err := time.ParseDuration(d)
		if err != nil || v <= 0 {
			return Boot{}, fmt.Errorf("update: %s=%q on the kernel command line, want a duration such as 90s", CmdlineDeadline, d)
		}
		b.Deadline = v
	}
	return b, nil
}

// Trial runs a trial boot to its end. It asks healthy once a second; the
// first time it answers true, Trial calls commit and returns its error
// (nil: the slot is permanent). When the deadline passes first, it
// returns ErrTrialFailed. It returns ctx's error when ctx ends first.
// healthy must return within about a second.
func Trial(ctx context.Context, deadline time.Duration, healthy func(context.Context) bool, commit func() error) error {
	t := time.NewTimer(deadline)
	defer t.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		if healthy(ctx) {
			return commit()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return ErrTrialFailed
		case <-tick.C:
		}
	}
}

// HealthProbe returns a healthy function for Trial that asks url (the
// node's /healthz) and wants 200.
func HealthProbe(url string) func(context.Context) bool {
	client := &http.Client{Timeout: pollEvery}
	return func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
}

// Watch is PID 1's side of an update. On a trial boot (see ParseBoot) it
// runs Trial in the background: a healthy node commits the slot on the
// ESP (mounted for the moment; see MountESP); a node that is not healthy
// by the deadline closes the returned channel, and PID 1 then reboots.
// On any other boot the channel never closes. Everything is logged to
// log; nothing here stops the node.
func Watch(ctx context.Context, cmdline, healthURL string, log *slog.Logger) <-chan struct{} {
	failed := make(chan struct{})
	b, err := ParseBoot(cmdline)
	if err != nil {
		log.Warn("update state unknown; no trial watch", "err", err)
		return failed
	}
	if b.Slot != "" {
		log.Info("booted slot", "slot", b.Slot, "trial", b.Trial)
	}
	if !b.Trial {
		return failed
	}
	log.Info("trial boot: the node must become healthy", "slot", b.Slot, "within", b.Deadline)
	go func() {
		err := Trial(ctx, b.Deadline, HealthProbe(healthURL), func() error {
			e, err := commitMounted(ctx, b.Slot)
			if err == nil {
				log.Info("update committed", "slot", b.Slot, "entry", e.FileName(), "title", e.Title)
			}
			return err
		})
		switch {
		case errors.Is(err, ErrTrialFailed):
			log.Error("trial boot failed", "slot", b.Slot, "err", err)
			close(failed)
		case err != nil && ctx.Err() == nil:
			// The node runs; the next reboot falls back to the old slot.
			log.Error("update not committed; the next reboot returns to the previous slot", "slot", b.Slot, "err", err)
		}
	}()
	return failed
}

// commitMounted mounts the ESP, commits slot and unmounts it.
func commitMounted(ctx context.Context, slot Slot) (e Entry, err error) {
	dir, unmount, err := MountESP(ctx)
	if err != nil {
		return Entry{}, err
	}
	defer func() { err = errors.Join(err, unmount()) }()
	return Commit(DirESP(dir), slot)
}
