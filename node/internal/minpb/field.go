package minpb

import (
	"fmt"
	"math"
)

// CheckWire returns an error naming f's number when f does not have wire
// type wire, for decoders that reject a field of the wrong type instead
// of skipping it.
func (f Field) CheckWire(wire int) error {
	if f.Wire != wire {
		return fmt.Errorf("field %d: wire type %d, want %d", f.Num, f.Wire, wire)
	}
	return nil
}

// Uint32 returns the value of a varint field that must fit 32 bits (a
// protobuf uint32). It fails when f is not a varint or the value is above
// math.MaxUint32.
func (f Field) Uint32() (uint32, error) {
	if err := f.CheckWire(WireVarint); err != nil {
		return 0, err
	}
	if f.Val > math.MaxUint32 {
		return 0, fmt.Errorf("field %d: %d overflows uint32", f.Num, f.Val)
	}
	return uint32(f.Val), nil
}
