package powerbutton

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"testing"
	"time"
)

// event encodes a struct input_event.
func event(typ, code uint16, value int32) []byte {
	b := make([]byte, eventSize)
	off := eventSize - 8
	binary.LittleEndian.PutUint16(b[off:], typ)
	binary.LittleEndian.PutUint16(b[off+2:], code)
	binary.LittleEndian.PutUint32(b[off+4:], uint32(value))
	return b
}

func TestIsPowerPress(t *testing.T) {
	if eventSize != 24 {
		t.Errorf("eventSize = %d, want 24 on a 64-bit system", eventSize)
	}
	for _, tc := range []struct {
		name string
		ev   []byte
		want bool
	}{
		{"press", event(evKey, keyPower, 1), true},
		{"release", event(evKey, keyPower, 0), false},
		{"repeat", event(evKey, keyPower, 2), false},
		{"other key", event(evKey, 30, 1), false},
		{"sync", event(0, 0, 0), false},
		{"short", make([]byte, 8), false},
	} {
		if got := IsPowerPress(tc.ev); got != tc.want {
			t.Errorf("IsPowerPress(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestReadForwardsPress(t *testing.T) {
	var stream bytes.Buffer
	stream.Write(event(evKey, 30, 1))
	stream.Write(event(0, 0, 0))
	stream.Write(event(evKey, keyPower, 1))
	presses := make(chan struct{}, 1)
	read(context.Background(), io.NopCloser(&stream), presses)
	select {
	case <-presses:
	case <-time.After(time.Second):
		t.Fatal("no press forwarded")
	}
}

func TestWatchNoDevices(t *testing.T) {
	if _, err := Watch(context.Background(), t.TempDir()); err == nil {
		t.Error("Watch(empty dir) = nil error, want an error")
	}
}
