package minpb

import (
	"math"
	"testing"
)

func TestCheckWire(t *testing.T) {
	f := Field{Num: 3, Wire: WireBytes}
	if err := f.CheckWire(WireBytes); err != nil {
		t.Errorf("CheckWire(WireBytes) = %v, want nil", err)
	}
	err := f.CheckWire(WireVarint)
	if err == nil || err.Error() != "field 3: wire type 2, want 0" {
		t.Errorf("CheckWire(WireVarint) = %v, want the field and both wire types named", err)
	}
}

func TestUint32(t *testing.T) {
	for _, c := range []struct {
		name string
		f    Field
		want uint32
		ok   bool
	}{
		{"zero", Field{Num: 1, Wire: WireVarint}, 0, true},
		{"max", Field{Num: 1, Wire: WireVarint, Val: math.MaxUint32}, math.MaxUint32, true},
		{"overflow", Field{Num: 1, Wire: WireVarint, Val: math.MaxUint32 + 1}, 0, false},
		{"wrong wire type", Field{Num: 1, Wire: WireBytes, Data: []byte{1}}, 0, false},
	} {
		got, err := c.f.Uint32()
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("%s: Uint32() = %d, %v; want %d, ok %v", c.name, got, err, c.want, c.ok)
		}
	}
}
