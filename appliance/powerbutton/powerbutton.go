// Package powerbutton turns a press of the machine's power button into a
// shutdown request: it reads the kernel's input event devices
// (/dev/input/event*, module evdev) for KEY_POWER. The button reaches them
// through ACPI on PCs (module button) and through gpio-keys on arm boards
// (module gpio_keys); qemu's "system_powerdown" presses it too.
//
// # Usage
//
//	presses, err := powerbutton.Watch(ctx, "/dev/input")
//	<-presses // the button went down
package powerbutton

import (
	"encoding/binary"
	"strconv"
)

// Input event constants from linux/input-event-codes.h.
const (
	evKey    = 0x01
	keyPower = 116
)

// eventSize is sizeof(struct input_event): a struct timeval (two longs),
// type and code (u16) and value (s32).
const eventSize = 2*strconv.IntSize/8 + 8

// IsPowerPress reports whether ev, one struct input_event in native byte
// order (little endian on every board Cairn supports), is KEY_POWER going
// down.
func IsPowerPress(ev []byte) bool {
	if len(ev) != eventSize {
		return false
	}
	off := eventSize - 8
	typ := binary.LittleEndian.Uint16(ev[off:])
	code := binary.LittleEndian.Uint16(ev[off+2:])
	value := int32(binary.LittleEndian.Uint32(ev[off+4:]))
	return typ == evKey && code == keyPower && value == 1
}
