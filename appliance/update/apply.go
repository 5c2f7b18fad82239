package update

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
)

// Entries reads the Cairn slot entries on esp, in the order systemd-boot
// will try them (see Order). Other entries are ignored.
func Entries(esp ESP) ([]Entry, error) {
	des, err := esp.ReadDir(EntriesDir)
	if err != nil {
		return nil, fmt.Errorf("update: read %s: %w; is this a Cairn ESP?", EntriesDir, err)
	}
	var es []Entry
	for _, de := range des {
		if _, _, _, ok := ParseEntryName(de.Name()); !ok || de.IsDir() {
			continue
		}
		data, err := esp.ReadFile(EntriesDir + "/" + de.Name())
		if err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		e, err := ParseEntry(de.Name(), data)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	return Order(es), nil
}

// Active returns the committed entry that boots when no trial is
// pending: the first entry in boot order without a boot counter.
func Active(entries []Entry) (Entry, error) {
	for _, e := range entries {
		if e.Status() == StatusGood {
			return e, nil
		}
	}
	return Entry{}, errors.New("update: no committed Cairn entry on the ESP; reflash the image")
}

// ErrTrialPending is returned by Apply on a node that runs a slot still
// on trial: writing the other slot would remove the only committed one.
var ErrTrialPending = errors.New("update: the running slot is still on trial")

// ApplyOptions configure Apply.
type ApplyOptions struct {
	// PublicKey verifies the bundle's signature. Required.
	PublicKey ed25519.PublicKey
	// Board, when not empty, must match the bundle's board.
	Board string
	// Running is the slot the system booted from (cairn.slot on the
	// kernel command line); the other slot is written. Default: the slot
	// of Active, for an ESP that is not the running system's.
	Running Slot
	// Tries is how many boots the new slot gets to become healthy.
	// Default: DefaultTries.
	Tries int
}

// Result says what Apply wrote.
type Result struct {
	// Entry is the trial entry written; Entry.Slot the slot.
	Entry Entry
	// Release is the bundle's release name.
	Release string
}

// Apply installs the bundle read from r into the inactive slot of esp
// and makes it the next boot, on trial:
//
//  1. read and verify the whole bundle (signature, board, hashes) before
//     writing anything;
//  2. remove the inactive slot's loader entries, so a half-written slot
//     can never be booted, then its old kernel and initramfs;
//  3. write its kernel and initramfs (temporary file, then rename);
//  4. write its entry with a boot counter of o.Tries and a generation
//     above every other entry (temporary file, then rename), so
//     systemd-boot boots it next, o.Tries times at most.
//
// The running slot and its entry are never touched: if the system stops
// at any point, it boots the running slot again. The new slot becomes
// permanent only through Commit, which PID 1 calls once the node is
// healthy on it. Errors wrap ErrSignature, ErrBoard, ErrCorrupt,
// ErrNoSpace or ErrTrialPending where they apply. Applying again before
// the trial boot replaces the pending update.
func Apply(esp ESP, r io.Reader, o ApplyOptions) (Result, error) {
	if o.Tries <= 0 {
		o.Tries = DefaultTries
	}
	b, err := Decode(r, o.PublicKey, o.Board)
	if err != nil {
		return Result{}, err
	}
	entries, err := Entries(esp)
	if err != nil {
		return Result{}, err
	}
	running, gen := Entry{}, 0
	if o.Running == "" {
		if running, err = Active(entries); err != nil {
			return Result{}, err
		}
	}
	for _, e := range entries {
		gen = max(gen, e.Generation)
		if e.Slot == o.Running && running.Slot == "" {
			running = e // entries are in boot order: the newest of the slot
		}
	}
	switch {
	case running.Slot == "":
		return Result{}, fmt.Errorf("update: no entry for the running slot %s on the ESP; reflash the image", o.Running)
	case running.Status() != StatusGood:
		return Result{}, fmt.Errorf("%w: wait until slot %s is committed (its node healthy), or reboot to return to slot %s, then update again",
			ErrTrialPending, running.Slot, running.Slot.Other())
	}
	target := running.Slot.Other()
	for _, e := range entries {
		if e.Slot == target {
			if err := esp.Remove(e.Path()); err != nil {
				return Result{}, err
			}
		}
	}
	// No entry points at the slot now: free its space first, so that an
	// ESP with room for two slots never has to hold three kernels.
	for _, p := range []string{target.Kernel(), target.Initrd()} {
		if err := errors.Join(esp.Remove(p), esp.Remove(p+tmpSuffix)); err != nil {
			return Result{}, err
		}
	}
	for _, f := range []struct{ name, path string }{{PartKernel, target.Kernel()}, {PartInitrd, target.Initrd()}} {
		if err := writeAtomic(esp, f.path, b.Files[f.name]); err != nil {
			return Result{}, err
		}
	}
	opts := SetCmdline(running.Options, CmdlineSlot, string(target))
	opts = SetCmdline(opts, CmdlineTrial, "1")
	e := Entry{Slot: target, TriesLeft: o.Tries, TriesDone: 0, Generation: gen + 1, Options: opts,
		Title: fmt.Sprintf("Cairn %s (slot %s)", b.Manifest.Release, target)}
	if err := writeAtomic(esp, e.Path(), e.Marshal()); err != nil {
		return Result{}, err
	}
	return Result{Entry: e, Release: b.Manifest.Release}, nil
}

// tmpSuffix names a file being written.
const tmpSuffix = ".new"

// writeAtomic writes name through a temporary file beside it. The
// temporary name does not end in .conf, so systemd-boot never reads a
// half-written entry.
func writeAtomic(esp ESP, name string, data []byte) error {
	tmp := name + tmpSuffix
	if err := esp.WriteFile(tmp, data); err != nil {
		esp.Remove(tmp)
		return err
	}
	return esp.Rename(tmp, name)
}

// Commit makes slot permanent after a healthy trial boot: its newest
// entry is rewritten without boot counter and without cairn.trial
// (written under the new name first, then the counted file removed), so
// systemd-boot boots it from now on, with the other slot's committed
// entry as the older fallback. Committing a slot that is committed
// already changes nothing. It returns the committed entry.
func Commit(esp ESP, slot Slot) (Entry, error) {
	entries, err := Entries(esp)
	if err != nil {
		return Entry{}, err
	}
	var mine []Entry
	for _, e := range entries {
		if e.Slot == slot {
			mine = append(mine, e)
		}
	}
	if len(mine) == 0 {
		return Entry{}, fmt.Errorf("update: no entry for slot %s on the ESP; it cannot be committed", slot)
	}
	newest := mine[0]
	for _, e := range mine {
		if e.Generation > newest.Generation {
			newest = e
		}
	}
	done := Entry{Slot: slot, TriesLeft: -1, TriesDone: -1, Generation: newest.Generation, Title: newest.Title, Options: newest.Options}
	done.Options = SetCmdline(done.Options, CmdlineTrial, "")
	if newest.Path() != done.Path() || newest.Options != done.Options {
		if err := writeAtomic(esp, done.Path(), done.Marshal()); err != nil {
			return Entry{}, err
		}
	}
	for _, e := range mine {
		if e.Path() != done.Path() {
			if err := esp.Remove(e.Path()); err != nil {
				return Entry{}, err
			}
		}
	}
	return done, nil
}
