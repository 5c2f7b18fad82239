package qemu_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image/qemu"
)

func TestArgs(t *testing.T) {
	args, err := qemu.Args(board.QEMUx86_64, qemu.Options{Disk: "d.img", Vars: "v.fd", HostPort: 18080, Monitor: "/tmp/m.sock"})
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Join(args, " ")
	for _, want := range []string{
		"qemu-system-x86_64 -M q35,hpet=off -accel tcg",
		"hostfwd=tcp:127.0.0.1:18080-:8080",
		"if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
		"if=pflash,format=raw,file=v.fd",
		"file=d.img,format=raw,if=virtio",
		"-device i6300esb",
		"-monitor unix:/tmp/m.sock,server,nowait",
		"-serial stdio",
	} {
		if !strings.Contains(line, want) {
			t.Errorf("Args() = %q, want it to contain %q", line, want)
		}
	}
	args, _ = qemu.Args(board.QEMUarm64, qemu.Options{Disk: "d.img", Vars: "v.fd", HostPort: 1, InteractiveConsole: true})
	if args[0] != "qemu-system-aarch64" || !slices.Contains(args, "mon:stdio") || slices.Contains(args, "-monitor") {
		t.Errorf("Args(arm64, interactive) = %q, want qemu-system-aarch64 with mon:stdio and no monitor socket", args)
	}
	if _, err := qemu.Args(board.QEMUx86_64, qemu.Options{Disk: "d.img"}); err == nil {
		t.Error("Args(no vars, no port) = nil error, want an error")
	}
}
