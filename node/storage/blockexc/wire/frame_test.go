package wire_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
)

func TestFrameLayout(t *testing.T) {
	// upstream frameProtobufMessage(encode(Message())): u32 LE 5, type 0, 0a 02 10 00.
	var buf bytes.Buffer
	if err := wire.WriteFrame(&buf, wire.TypeControl, []byte{0x0a, 0x02, 0x10, 0x00}); err != nil {
		t.Fatal(err)
	}
	want := []byte{0x05, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x02, 0x10, 0x00}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("WriteFrame(control, empty message) = %x, want %x", buf.Bytes(), want)
	}
}

func TestFrameRoundTrip(t *testing.T) {
	frames := []struct {
		typ     byte
		payload []byte
	}{
		{wire.TypeControl, []byte{0x0a, 0x02, 0x10, 0x01}},
		{wire.TypeWantBlocksRequest, bytes.Repeat([]byte{1}, wire.MaxWantBlocksRequestSize)},
		{wire.TypeWantBlocksResponse, bytes.Repeat([]byte{2}, wire.MaxWantBlocksResponseSize)},
		{wire.TypeControl, nil},
		{wire.TypeControl, bytes.Repeat([]byte{3}, 200<<10)},
	}
	var buf bytes.Buffer
	for _, f := range frames {
		if err := wire.WriteFrame(&buf, f.typ, f.payload); err != nil {
			t.Fatalf("WriteFrame(0x%02x, %d bytes) = %v, want nil", f.typ, len(f.payload), err)
		}
	}
	fr := wire.NewFrameReader(iotestHalfReader{&buf})
	for i, f := range frames {
		typ, p, err := fr.ReadFrame()
		if err != nil || typ != f.typ || !bytes.Equal(p, f.payload) {
			t.Fatalf("ReadFrame() #%d = 0x%02x, %d bytes, %v, want 0x%02x, %d bytes, nil", i, typ, len(p), err, f.typ, len(f.payload))
		}
	}
	if _, _, err := fr.ReadFrame(); err != io.EOF {
		t.Errorf("ReadFrame() at end = %v, want io.EOF", err)
	}
}

// iotestHalfReader returns at most half of what is asked (at least 1 byte),
// to exercise partial reads.
type iotestHalfReader struct{ r io.Reader }

func (h iotestHalfReader) Read(p []byte) (int, error) {
	return h.r.Read(p[:(len(p)+1)/2])
}

func frameHeader(l uint32, typ byte) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, l), typ)
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"length 0", []byte{0, 0, 0, 0, 0}, wire.ErrMalformed},
		{"unknown type 3", cat(frameHeader(2, 3), []byte{0}), wire.ErrMalformed},
		{"unknown type 0xff", frameHeader(1, 0xff), wire.ErrMalformed},
		{"control over 16 MiB", frameHeader(wire.MaxControlSize+2, wire.TypeControl), wire.ErrTooLarge},
		{"request over limit", frameHeader(wire.MaxWantBlocksRequestSize+2, wire.TypeWantBlocksRequest), wire.ErrTooLarge},
		{"response over limit", frameHeader(wire.MaxWantBlocksResponseSize+2, wire.TypeWantBlocksResponse), wire.ErrTooLarge},
		{"4 GiB control", frameHeader(0xffffffff, wire.TypeControl), wire.ErrTooLarge},
		{"partial length", []byte{5, 0}, io.ErrUnexpectedEOF},
		{"no type byte", []byte{5, 0, 0, 0}, io.ErrUnexpectedEOF},
		{"short payload", cat(frameHeader(5, 0), []byte{0x0a, 0x02}), io.ErrUnexpectedEOF},
		{"no payload", frameHeader(5, 0), io.ErrUnexpectedEOF},
		{"short large payload", cat(frameHeader(1<<20, 0), make([]byte, 100<<10)), io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ, p, err := wire.NewFrameReader(bytes.NewReader(tc.in)).ReadFrame()
			if !errors.Is(err, tc.want) {
				t.Errorf("ReadFrame(%x) = 0x%02x, %d bytes, %v, want %v", tc.in, typ, len(p), err, tc.want)
			}
		})
	}
}

func TestReadFrameReaderError(t *testing.T) {
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(frameHeader(10, 0)), errReader{boom})
	if _, _, err := wire.NewFrameReader(r).ReadFrame(); !errors.Is(err, boom) {
		t.Errorf("ReadFrame(stream failing in payload) = %v, want %v", err, boom)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// allocated returns the bytes allocated while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestReadFrame4GiBNotAllocated(t *testing.T) {
	for _, typ := range []byte{wire.TypeControl, wire.TypeWantBlocksRequest, wire.TypeWantBlocksResponse} {
		in := frameHeader(0xffffffff, typ)
		var err error
		n := allocated(func() { _, _, err = wire.NewFrameReader(bytes.NewReader(in)).ReadFrame() })
		if !errors.Is(err, wire.ErrTooLarge) {
			t.Errorf("ReadFrame(4 GiB, type 0x%02x) = %v, want %v", typ, err, wire.ErrTooLarge)
		}
		if n > 64<<10 {
			t.Errorf("ReadFrame(4 GiB, type 0x%02x) allocated %d bytes, want < 64 KiB", typ, n)
		}
	}
	// A header within the limit whose payload never comes costs only what
	// arrives, not what it announces.
	in := cat(frameHeader(wire.MaxControlSize+1, wire.TypeControl), make([]byte, 10))
	var err error
	n := allocated(func() { _, _, err = wire.NewFrameReader(bytes.NewReader(in)).ReadFrame() })
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadFrame(16 MiB announced, 10 bytes sent) = %v, want %v", err, io.ErrUnexpectedEOF)
	}
	if n > 1<<20 {
		t.Errorf("ReadFrame(16 MiB announced, 10 bytes sent) allocated %d bytes, want < 1 MiB", n)
	}
}

func TestAppendFrameErrors(t *testing.T) {
	tests := []struct {
		name    string
		typ     byte
		payload []byte
		want    error
	}{
		{"unknown type", 3, nil, wire.ErrMalformed},
		{"control over limit", wire.TypeControl, make([]byte, wire.MaxControlSize+1), wire.ErrTooLarge},
		{"request over limit", wire.TypeWantBlocksRequest, make([]byte, wire.MaxWantBlocksRequestSize+1), wire.ErrTooLarge},
		{"response over limit", wire.TypeWantBlocksResponse, make([]byte, wire.MaxWantBlocksResponseSize+1), wire.ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wire.AppendFrame(nil, tc.typ, tc.payload); !errors.Is(err, tc.want) {
				t.Errorf("AppendFrame(0x%02x, %d bytes) = %v, want %v", tc.typ, len(tc.payload), err, tc.want)
			}
			if err := wire.WriteFrame(io.Discard, tc.typ, tc.payload); !errors.Is(err, tc.want) {
				t.Errorf("WriteFrame(0x%02x, %d bytes) = %v, want %v", tc.typ, len(tc.payload), err, tc.want)
			}
		})
	}
	boom := errors.New("boom")
	if err := wire.WriteFrame(errWriter{boom}, wire.TypeControl, nil); !errors.Is(err, boom) {
		t.Errorf("WriteFrame(failing writer) = %v, want %v", err, boom)
	}
}

type errWriter struct{ err error }

func (e errWriter) Write([]byte) (int, error) { return 0, e.err }

func TestLimits(t *testing.T) {
	// Values of upstream storage/blockexchange/protocol/constants.nim.
	tests := []struct {
		name      string
		got, want int
	}{
		{"MaxBlocksPerBatch", wire.MaxBlocksPerBatch, 32},
		{"MaxWantBlocksRequestSize", wire.MaxWantBlocksRequestSize, 1280},
		{"MaxWantBlocksResponseSize", wire.MaxWantBlocksResponseSize, 4 + 4*1024*1024 + 128*1024},
		{"MaxControlSize", wire.MaxControlSize, 16 * 1024 * 1024},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, tc.got, tc.want)
		}
	}
}
