package update_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/appliance/update"
)

func TestParseEntryName(t *testing.T) {
	for _, tc := range []struct {
		name       string
		slot       update.Slot
		left, done int
		ok         bool
		status     update.Status
		roundTrips bool
	}{
		{"cairn-a.conf", update.SlotA, -1, -1, true, update.StatusGood, true},
		{"cairn-b+1.conf", update.SlotB, 1, 0, true, update.StatusTrial, true},
		{"cairn-b+0-1.conf", update.SlotB, 0, 1, true, update.StatusBad, true},
		{"cairn-a+3-12.conf", update.SlotA, 3, 12, true, update.StatusTrial, true},
		{"cairn-b+1-0.conf", update.SlotB, 1, 0, true, update.StatusTrial, false}, // written back as cairn-b+1.conf
		{"cairn-c.conf", "", 0, 0, false, 0, false},
		{"cairn-ab.conf", "", 0, 0, false, 0, false},
		{"cairn-a+.conf", "", 0, 0, false, 0, false},
		{"cairn-a+-1.conf", "", 0, 0, false, 0, false},
		{"cairn-a+1-.conf", "", 0, 0, false, 0, false},
		{"cairn-a+1-x.conf", "", 0, 0, false, 0, false},
		{"cairn.conf", "", 0, 0, false, 0, false},
		{"cairn-a.conf.new", "", 0, 0, false, 0, false},
		{"debian.conf", "", 0, 0, false, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			slot, left, done, ok := update.ParseEntryName(tc.name)
			if ok != tc.ok || (ok && (slot != tc.slot || left != tc.left || done != tc.done)) {
				t.Fatalf("ParseEntryName(%q) = %q, %d, %d, %v; want %q, %d, %d, %v", tc.name, slot, left, done, ok, tc.slot, tc.left, tc.done, tc.ok)
			}
			if !ok {
				return
			}
			e := update.Entry{Slot: slot, TriesLeft: left, TriesDone: done}
			if e.Status() != tc.status {
				t.Errorf("Status() = %v, want %v", e.Status(), tc.status)
			}
			if got := e.FileName(); (got == tc.name) != tc.roundTrips {
				t.Errorf("FileName() = %q; round trip of %q = %v, want %v", got, tc.name, got == tc.name, tc.roundTrips)
			}
		})
	}
}

func TestEntryRoundTrip(t *testing.T) {
	e := update.Entry{Slot: update.SlotB, TriesLeft: 1, TriesDone: 0, Generation: 7, Title: "Cairn r7 (slot b)",
		Options: "console=ttyS0 panic=-1 cairn.slot=b cairn.trial=1"}
	data := e.Marshal()
	for _, want := range []string{"sort-key cairn\n", "version 7\n", "linux /EFI/cairn/b/vmlinuz\n", "initrd /EFI/cairn/b/initrd\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("Marshal() = %q, want a line %q", data, want)
		}
	}
	got, err := update.ParseEntry(e.FileName(), data)
	if err != nil || got != e {
		t.Errorf("ParseEntry(Marshal()) = %+v, %v; want %+v", got, err, e)
	}
}

// TestOrder checks the boot order systemd-boot gives Cairn's entries in
// each state an update goes through.
func TestOrder(t *testing.T) {
	a1 := update.Entry{Slot: update.SlotA, TriesLeft: -1, TriesDone: -1, Generation: 1}
	b2 := update.Entry{Slot: update.SlotB, TriesLeft: 1, TriesDone: 0, Generation: 2}
	b2tried := update.Entry{Slot: update.SlotB, TriesLeft: 0, TriesDone: 1, Generation: 2}
	b2good := update.Entry{Slot: update.SlotB, TriesLeft: -1, TriesDone: -1, Generation: 2}
	a3 := update.Entry{Slot: update.SlotA, TriesLeft: 1, TriesDone: 0, Generation: 3}
	for _, tc := range []struct {
		name    string
		entries []update.Entry
		want    []string
	}{
		{"fresh image", []update.Entry{a1}, []string{"cairn-a.conf"}},
		{"update written: the trial boots first", []update.Entry{a1, b2}, []string{"cairn-b+1.conf", "cairn-a.conf"}},
		{"trial tried and not committed: back to a", []update.Entry{b2tried, a1}, []string{"cairn-a.conf", "cairn-b+0-1.conf"}},
		{"trial committed", []update.Entry{a1, b2good}, []string{"cairn-b.conf", "cairn-a.conf"}},
		{"next update goes to a, above the committed b", []update.Entry{b2good, a3}, []string{"cairn-a+1.conf", "cairn-b.conf"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, e := range update.Order(tc.entries) {
				got = append(got, e.FileName())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Order(%s) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

func TestCmdline(t *testing.T) {
	c := update.SetCmdline("console=ttyS0 cairn.slot=a panic=-1", update.CmdlineSlot, "b")
	if c != "console=ttyS0 panic=-1 cairn.slot=b" {
		t.Errorf("SetCmdline(slot=b) = %q", c)
	}
	if c = update.SetCmdline(c+" cairn.trial=1", update.CmdlineTrial, ""); c != "console=ttyS0 panic=-1 cairn.slot=b" {
		t.Errorf("SetCmdline(trial removed) = %q", c)
	}
	for _, tc := range []struct {
		cmdline string
		want    update.Boot
		err     bool
	}{
		{"console=ttyS0", update.Boot{Deadline: update.DefaultDeadline}, false},
		{"cairn.slot=a", update.Boot{Slot: update.SlotA, Deadline: update.DefaultDeadline}, false},
		{"cairn.slot=b cairn.trial=1 cairn.trial_deadline=20s", update.Boot{Slot: update.SlotB, Trial: true, Deadline: 20e9}, false},
		{"cairn.trial=1", update.Boot{Deadline: update.DefaultDeadline}, false}, // no slot, no trial
		{"cairn.slot=c", update.Boot{}, true},
		{"cairn.slot=a cairn.trial=maybe", update.Boot{}, true},
		{"cairn.slot=a cairn.trial_deadline=soon", update.Boot{}, true},
	} {
		got, err := update.ParseBoot(tc.cmdline)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseBoot(%q) = %+v, %v; want %+v, error %v", tc.cmdline, got, err, tc.want, tc.err)
		}
	}
}
