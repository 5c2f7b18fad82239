package mplex

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   uint64
		f    flag
		data []byte
		want []byte // nil: do not check the encoding
	}{
		{"new stream 0", 0, flagNewStream, []byte("0"), []byte{0x00, 0x01, '0'}},
		{"message initiator", 1, flagMessageInitiator, []byte("hi"), []byte{0x0a, 0x02, 'h', 'i'}},
		{"close receiver", 17, flagCloseReceiver, nil, []byte{0x8b, 0x01, 0x00}},
		{"reset initiator, big id", 1<<60 - 1, flagResetInitiator, nil, nil},
		{"max frame", 3, flagMessageReceiver, bytes.Repeat([]byte{7}, MaxFrameSize), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := appendFrame(nil, tc.id, tc.f, tc.data)
			if tc.want != nil && !bytes.Equal(enc, tc.want) {
				t.Fatalf("appendFrame(%d, %s) = %x, want %x", tc.id, tc.f, enc, tc.want)
			}
			h, data, err := readFrame(bufio.NewReader(bytes.NewReader(enc)))
			if err != nil {
				t.Fatalf("readFrame(%x): %v", enc[:min(len(enc), 16)], err)
			}
			if h.id != tc.id || h.flag != tc.f || h.length != len(tc.data) || !bytes.Equal(data, tc.data) {
				t.Fatalf("readFrame = id %d flag %s len %d, want id %d flag %s len %d", h.id, h.flag, h.length, tc.id, tc.f, len(tc.data))
			}
		})
	}
}

func TestReadFrameErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.EOF},
		{"varint of 10 bytes", bytes.Repeat([]byte{0xff}, 10), ErrBadVarint},
		{"length varint of 10 bytes", append([]byte{0x02}, bytes.Repeat([]byte{0x80}, 10)...), ErrBadVarint},
		{"flag 7", []byte{0x07, 0x00}, ErrUnknownFlag},
		{"flag 7 on stream 5", []byte{5<<3 | 7, 0x00}, ErrUnknownFlag},
		{"too large", appendUvarint([]byte{0x02}, MaxFrameSize+1), ErrFrameTooLarge},
		{"huge length", appendUvarint([]byte{0x02}, 1<<62), ErrFrameTooLarge},
		{"truncated header", []byte{0x80}, io.ErrUnexpectedEOF},
		{"no length", []byte{0x02}, io.ErrUnexpectedEOF},
		{"short data", []byte{0x02, 0x05, 'a', 'b'}, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readFrame(bufio.NewReader(bytes.NewReader(tc.in)))
			if !errors.Is(err, tc.want) {
				t.Fatalf("readFrame(%x) error = %v, want %v", tc.in, err, tc.want)
			}
			if errors.Is(tc.want, ErrProtocol) != errors.Is(err, ErrProtocol) {
				t.Fatalf("readFrame(%x) error = %v: wraps ErrProtocol %v, want %v", tc.in, err, errors.Is(err, ErrProtocol), errors.Is(tc.want, ErrProtocol))
			}
		})
	}
}

// FuzzReadFrame checks that the frame reader never panics, never returns
// more than MaxFrameSize bytes, and that what it accepts re-encodes to an
// equal frame.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0x00, 0x01, '0'})
	f.Add([]byte{0x0a, 0x02, 'h', 'i', 0x0c, 0x00})
	f.Add(bytes.Repeat([]byte{0xff}, 12))
	f.Add([]byte{0x07, 0x00})
	f.Add(appendUvarint([]byte{0x02}, MaxFrameSize+1))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReader(bytes.NewReader(in))
		for {
			h, data, err := readFrame(r)
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrProtocol) {
					t.Fatalf("readFrame(%x) error = %v, want EOF or a protocol error", in, err)
				}
				return
			}
			if h.flag > flagResetInitiator || len(data) > MaxFrameSize || len(data) != h.length {
				t.Fatalf("readFrame(%x) = %+v with %d bytes", in, h, len(data))
			}
			enc := appendFrame(nil, h.id, h.flag, data)
			h2, data2, err := readFrame(bufio.NewReader(bytes.NewReader(enc)))
			if err != nil || h2 != h || !bytes.Equal(data, data2) {
				t.Fatalf("re-read of %x = %+v, %v; want %+v", enc, h2, err, h)
			}
		}
	})
}
