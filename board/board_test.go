package board_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/board"
)

func TestBoardsValid(t *testing.T) {
	if got, want := board.Names(), []string{"qemu-arm64", "qemu-x86_64", "rpi4", "rpi5", "x86_64"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for _, name := range board.Names() {
		b, err := board.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v", name, err)
		}
	}
}

func TestValidateModuleOrder(t *testing.T) {
	b := board.QEMUx86_64
	b.Modules = []string{"ext4", "crc32c_generic"}
	if err := b.Validate(); err == nil || !strings.Contains(err.Error(), "before ext4") {
		t.Errorf("Validate(ext4 first) = %v, want the crc32c_generic order error", err)
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := board.Lookup("rpi9")
	if err == nil || !strings.Contains(err.Error(), "qemu-x86_64") {
		t.Errorf("Lookup(rpi9) = %v, want an error listing the known boards", err)
	}
}

func TestCmdline(t *testing.T) {
	if got, want := board.QEMUx86_64.Cmdline("cairn.hostname=x"), "console=ttyS0 panic=-1 cairn.hostname=x"; got != want {
		t.Errorf("Cmdline() = %q, want %q", got, want)
	}
}

func TestPiCmdline(t *testing.T) {
	if got, want := board.RPi4.Cmdline(), "console=serial0,115200 console=tty1 panic=-1"; got != want {
		t.Errorf("RPi4.Cmdline() = %q, want %q", got, want)
	}
}

func TestValidatePi(t *testing.T) {
	b := board.RPi4
	pi := *b.Pi
	pi.DTBs = nil
	pi.FirmwareFiles = nil
	b.Pi = &pi
	b.EFI = board.QEMUx86_64.EFI
	err := b.Validate()
	for _, want := range []string{"both EFI and Pi", "Pi.DTBs is empty", "must be set together"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(broken Pi board) = %v, want an error containing %q", err, want)
		}
	}
	b = board.RPi5
	b.KernelArchive.Suite = ""
	if err := b.Validate(); err == nil || !strings.Contains(err.Error(), "before ext4") {
		t.Errorf("Validate(rpi5 on the host's kernel) = %v, want the crc32c_generic error", err)
	}
}
