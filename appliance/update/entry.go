package update

import (
	"bufio"
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Slot names one of the two boot slots on the ESP.
type Slot string

// The two slots.
const (
	SlotA Slot = "a"
	SlotB Slot = "b"
)

// Other returns the slot that is not s.
func (s Slot) Other() Slot {
	if s == SlotA {
		return SlotB
	}
	return SlotA
}

// Valid reports whether s is a or b.
func (s Slot) Valid() bool { return s == SlotA || s == SlotB }

// Dir is the slot's directory on the ESP, slash-separated, without a
// leading slash ("EFI/cairn/a").
func (s Slot) Dir() string { return "EFI/cairn/" + string(s) }

// Kernel and Initrd are the paths of the slot's kernel and initramfs on
// the ESP, relative to its root.
func (s Slot) Kernel() string { return s.Dir() + "/" + PartKernel }

// Initrd is the path of the slot's initramfs; see Kernel.
func (s Slot) Initrd() string { return s.Dir() + "/" + PartInitrd }

// Paths on the ESP and names the loader entries use.
const (
	// EntriesDir holds the systemd-boot loader entries.
	EntriesDir = "loader/entries"
	// LoaderConf is systemd-boot's configuration file.
	LoaderConf = "loader/loader.conf"
	// entryPrefix starts every Cairn entry file name: "cairn-a.conf".
	entryPrefix = "cairn-"
	// SortKey is the sort-key of every Cairn entry: with a sort-key,
	// systemd-boot orders entries by version, newest first.
	SortKey = "cairn"
	// DefaultTries is how many boots a freshly written slot gets before
	// systemd-boot gives up on it: one.
	DefaultTries = 1
)

// LoaderConfig is the loader.conf an image ships: boot the first Cairn
// entry in systemd-boot's order at once, no menu, no editor.
const LoaderConfig = "default cairn-*\ntimeout 0\neditor no\n"

// Kernel command line keys the entries carry and PID 1 reads.
const (
	// CmdlineSlot names the slot an entry boots: cairn.slot=b.
	CmdlineSlot = "cairn.slot"
	// CmdlineTrial marks a boot on probation: cairn.trial=1. Commit
	// rewrites the entry without it.
	CmdlineTrial = "cairn.trial"
	// CmdlineDeadline bounds how long a trial boot may take to become
	// healthy: cairn.trial_deadline=90s (a Go duration).
	CmdlineDeadline = "cairn.trial_deadline"
)

// Entry is one systemd-boot loader entry (Boot Loader Specification type
// #1) of a Cairn slot. Its file name carries systemd's boot counter:
// "cairn-b+1.conf" has one try left, "cairn-b+0-1.conf" none left after
// one try (a bad entry), "cairn-b.conf" no counter (committed).
type Entry struct {
	// Slot is the slot the entry boots.
	Slot Slot
	// TriesLeft and TriesDone are the boot counter; both are -1 when the
	// entry has none (a committed entry).
	TriesLeft, TriesDone int
	// Generation is the entry's version line: each update writes one
	// more than the highest on the ESP, so systemd-boot, which orders
	// entries by version (newest first) once they have a sort-key, boots
	// the newest entry that still has tries left.
	Generation int
	// Title is shown in systemd-boot's menu.
	Title string
	// Options is the kernel command line.
	Options string

	// file is the name ParseEntry read the entry from when it is not
	// the canonical FileName ("cairn-b+1-0.conf"), so that Path finds it.
	file string
}

// Status is how systemd-boot's automatic boot assessment sees an entry.
type Status int

// Entry states.
const (
	// StatusGood entries have no counter: committed.
	StatusGood Status = iota
	// StatusTrial entries have tries left: systemd-boot boots them (and
	// decrements the counter) until they are committed or run out.
	StatusTrial
	// StatusBad entries have a counter at zero: systemd-boot orders them last.
	StatusBad
)

// String returns "good", "trial" or "bad".
func (s Status) String() string {
	return [...]string{"good", "trial", "bad"}[s]
}

// Status returns the entry's boot assessment state.
func (e Entry) Status() Status {
	switch {
	case e.TriesLeft < 0:
		return StatusGood
	case e.TriesLeft == 0:
		return StatusBad
	}
	return StatusTrial
}

// FileName returns the entry's file name in EntriesDir, with its counter.
func (e Entry) FileName() string {
	name := entryPrefix + string(e.Slot)
	switch {
	case e.TriesLeft < 0:
	case e.TriesDone <= 0:
		name += fmt.Sprintf("+%d", e.TriesLeft)
	default:
		name += fmt.Sprintf("+%d-%d", e.TriesLeft, e.TriesDone)
	}
	return name + ".conf"
}

// Path returns the entry's path on the ESP: where ParseEntry read it
// from, or its FileName.
func (e Entry) Path() string {
	if e.file != "" {
		return EntriesDir + "/" + e.file
	}
	return EntriesDir + "/" + e.FileName()
}

// Marshal returns the entry file's contents.
func (e Entry) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "title %s\nsort-key %s\nversion %d\n", e.Title, SortKey, e.Generation)
	fmt.Fprintf(&b, "linux /%s\ninitrd /%s\noptions %s\n", e.Slot.Kernel(), e.Slot.Initrd(), e.Options)
	return b.Bytes()
}

// ParseEntryName splits an entry file name into its slot and boot
// counter (-1, -1 without one). ok is false for files that are not Cairn
// slot entries.
func ParseEntryName(name string) (slot Slot, left, done int, ok bool) {
	base, found := strings.CutSuffix(name, ".conf")
	if !found {
		return "", 0, 0, false
	}
	base, found = strings.CutPrefix(base, entryPrefix)
	if !found || base == "" {
		return "", 0, 0, false
	}
	slot, counter, hasCounter := Slot(base[:1]), base[1:], false
	if counter, hasCounter = strings.CutPrefix(counter, "+"); !hasCounter {
		return slot, -1, -1, slot.Valid() && counter == ""
	}
	l, d, hasDone := strings.Cut(counter, "-")
	left, err := strconv.Atoi(l)
	if err != nil || left < 0 || !isDigits(l) {
		return "", 0, 0, false
	}
	if hasDone {
		if done, err = strconv.Atoi(d); err != nil || done < 0 || !isDigits(d) {
			return "", 0, 0, false
		}
	}
	return slot, left, done, slot.Valid()
}

func isDigits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// ParseEntry reads an entry from its file name and contents.
func ParseEntry(name string, data []byte) (Entry, error) {
	slot, left, done, ok := ParseEntryName(name)
	if !ok {
		return Entry{}, fmt.Errorf("update: %s is not a Cairn slot entry (cairn-a.conf, cairn-b+1.conf, …)", name)
	}
	e := Entry{Slot: slot, TriesLeft: left, TriesDone: done}
	if name != e.FileName() {
		e.file = name
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		key, value, _ := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		value = strings.TrimSpace(value)
		switch key {
		case "title":
			e.Title = value
		case "version":
			g, err := strconv.Atoi(value)
			if err != nil {
				return Entry{}, fmt.Errorf("update: entry %s: version %q is not a generation number; delete the entry or rewrite it with 'cairn update'", name, value)
			}
			e.Generation = g
		case "options":
			e.Options = value
		}
	}
	return e, sc.Err()
}

// Order sorts entries the way systemd-boot (v244 and later, with
// sort-key support since v251) orders Cairn's entries, first booted
// first: entries with no tries left go last; then by version
// (generation), highest first; then by file name, descending; then more
// tries left first, fewer done first. It returns a sorted copy.
func Order(entries []Entry) []Entry {
	s := slices.Clone(entries)
	slices.SortStableFunc(s, func(a, b Entry) int {
		if ab, bb := a.Status() == StatusBad, b.Status() == StatusBad; ab != bb {
			if ab {
				return 1
			}
			return -1
		}
		if a.Generation != b.Generation {
			return b.Generation - a.Generation
		}
		if c := strings.Compare(b.FileName(), a.FileName()); c != 0 {
			return c
		}
		if a.TriesLeft != b.TriesLeft {
			return b.TriesLeft - a.TriesLeft
		}
		return a.TriesDone - b.TriesDone
	})
	return s
}

// NewEntry returns the committed entry an image is built with: slot a,
// generation 1.
func NewEntry(title, cmdline string) Entry {
	return Entry{Slot: SlotA, TriesLeft: -1, TriesDone: -1, Generation: 1, Title: title,
		Options: SetCmdline(cmdline, CmdlineSlot, string(SlotA))}
}

// SetCmdline returns cmdline with key=value set (replacing any earlier
// key=…), or key removed when value is empty.
func SetCmdline(cmdline, key, value string) string {
	var out []string
	for _, w := range strings.Fields(cmdline) {
		if k, _, _ := strings.Cut(w, "="); k != key {
			out = append(out, w)
		}
	}
	if value != "" {
		out = append(out, key+"="+value)
	}
	return strings.Join(out, " ")
}

// CmdlineValue returns the value of the last key=value word of cmdline.
func CmdlineValue(cmdline, key string) (string, bool) {
	var v string
	var found bool
	for _, w := range strings.Fields(cmdline) {
		if k, val, ok := strings.Cut(w, "="); ok && k == key {
			v, found = val, true
		}
	}
	return v, found
}
