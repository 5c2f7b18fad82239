// Package qemu runs a built Cairn image under qemu the way the boot tests
// do: TCG (KVM is unreliable on the VMs Cairn is built on), UEFI firmware
// from pflash, the image as a virtio disk, user networking with the node's
// API forwarded from 127.0.0.1 only, and the serial console on stdio.
//
// # Usage
//
//	args, err := qemu.Args(board.QEMUx86_64, qemu.Options{Disk: "cairn.img", Vars: varsCopy, HostPort: 18080})
//	cmd := exec.Command(args[0], args[1:]...)
package qemu

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cairn-node/cairn/board"
)

// GuestAPIPort is the port the appliance's node API listens on.
const GuestAPIPort = 8080

// Options describe one run.
type Options struct {
	// Disk is the raw image; qemu writes to it.
	Disk string
	// Vars is this run's copy of the board's UEFI variable store (see
	// CopyVars); qemu writes to it.
	Vars string
	// HostPort is the 127.0.0.1 port forwarded to the node's API.
	HostPort int
	// Monitor, when not empty, is a unix socket path for the qemu
	// monitor ("system_powerdown" presses the power button).
	Monitor string
	// InteractiveConsole multiplexes the monitor onto stdio (Ctrl-A C)
	// instead of a plain serial console.
	InteractiveConsole bool
	// AllowReboot lets a guest reboot go through the firmware again, as
	// on hardware (an update's fallback to the old slot needs it). By
	// default qemu exits on a reboot (-no-reboot), which ends a test run.
	AllowReboot bool
}

// Args returns the command line, program first, to run b with o.
func Args(b board.Board, o Options) ([]string, error) {
	q := b.QEMU
	if q == nil {
		return nil, fmt.Errorf("qemu: board %s cannot be emulated", b.Name)
	}
	if o.Disk == "" || o.Vars == "" || o.HostPort <= 0 {
		return nil, errors.New("qemu: Disk, Vars and HostPort are required")
	}
	serial := "stdio"
	if o.InteractiveConsole {
		serial = "mon:stdio"
	}
	machine := q.Machine
	if q.MachineOptions != "" {
		machine += "," + q.MachineOptions
	}
	args := []string{q.Binary,
		"-M", machine, "-accel", "tcg", "-cpu", q.CPU, "-smp", "2", "-m", fmt.Sprint(q.MemoryMiB),
		// -nodefaults drops the CD-ROM and NIC qemu adds by default (OVMF
		// would try to boot them first).
		"-nodefaults", "-display", "none", "-serial", serial,
		"-drive", "if=pflash,format=raw,readonly=on,file=" + q.FirmwareCode,
		"-drive", "if=pflash,format=raw,file=" + o.Vars,
		"-drive", "file=" + o.Disk + ",format=raw,if=virtio",
		"-netdev", fmt.Sprintf("user,id=n0,hostfwd=tcp:127.0.0.1:%d-:%d", o.HostPort, GuestAPIPort),
		"-device", "virtio-net-pci,netdev=n0",
	}
	if !o.AllowReboot {
		args = append(args, "-no-reboot")
	}
	if q.Watchdog != "" {
		args = append(args, "-device", q.Watchdog)
	}
	if o.Monitor != "" {
		args = append(args, "-monitor", "unix:"+o.Monitor+",server,nowait")
	}
	return args, nil
}

// CopyVars copies the board's UEFI variable store template to path.
func CopyVars(b board.Board, path string) error {
	if b.QEMU == nil {
		return fmt.Errorf("qemu: board %s cannot be emulated", b.Name)
	}
	src, err := os.Open(b.QEMU.FirmwareVars)
	if err != nil {
		return fmt.Errorf("qemu: UEFI variable store: %w; install %v", err, b.QEMU.Packages)
	}
	defer src.Close()
	dst, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("qemu: %w", err)
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}
