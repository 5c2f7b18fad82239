package mplex

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// TestMalformedInput feeds bad frames to a Conn: each must end the
// connection with an error that names the problem, never panic.
func TestMalformedInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"bad varint", bytes.Repeat([]byte{0xff}, 10), ErrBadVarint},
		{"unknown flag", []byte{3<<3 | 7, 0x00}, ErrUnknownFlag},
		{"oversized length", appendUvarint([]byte{0x0a}, MaxFrameSize+1), ErrFrameTooLarge},
		{"duplicate stream", append(appendFrame(nil, 4, flagNewStream, nil), appendFrame(nil, 4, flagNewStream, nil)...), ErrDuplicateStream},
		{"truncated frame", []byte{0x0a, 0x10, 'a'}, io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkGoroutines(t)
			c, raw, _ := rawPair(t, DefaultTransport)
			go func() {
				raw.Write(tc.in)
				if tc.want == io.ErrUnexpectedEOF {
					raw.Close()
				}
			}()
			var err error
			for err == nil { // a valid NewStream before the bad frame is accepted first
				_, err = c.AcceptStream()
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("AcceptStream error = %v, want %v", err, tc.want)
			}
			if errors.Is(tc.want, ErrProtocol) && !errors.Is(err, ErrProtocol) {
				t.Fatalf("AcceptStream error = %v, want it to wrap ErrProtocol", err)
			}
			if !c.IsClosed() {
				t.Fatal("IsClosed() = false after malformed input")
			}
		})
	}
}

// TestIgnoredFrames: frames for unknown streams are dropped, as go-mplex
// and js-libp2p do, and the connection goes on.
func TestIgnoredFrames(t *testing.T) {
	checkGoroutines(t)
	c, raw, _ := rawPair(t, DefaultTransport)
	go func() {
		var in []byte
		in = appendFrame(in, 9, flagMessageInitiator, []byte("nobody"))
		in = appendFrame(in, 9, flagMessageReceiver, []byte("nobody"))
		in = appendFrame(in, 9, flagCloseInitiator, nil)
		in = appendFrame(in, 9, flagResetReceiver, nil)
		in = appendFrame(in, 1, flagNewStream, []byte("a long stream name that is ignored"))
		in = appendFrame(in, 1, flagMessageInitiator, nil) // empty message
		in = appendFrame(in, 1, flagMessageInitiator, []byte("data"))
		in = appendFrame(in, 1, flagCloseInitiator, []byte("close with a body"))
		raw.Write(in)
	}()
	s, err := c.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(s); err != nil || string(b) != "data" {
		t.Fatalf("ReadAll = %q, %v; want \"data\", nil", b, err)
	}
	if c.IsClosed() {
		t.Fatalf("connection closed: %v", c.err())
	}
}

// TestSlowReaderReset: a stream whose buffer stays full is reset after the
// receive timeout, and the connection goes on.
func TestSlowReaderReset(t *testing.T) {
	checkGoroutines(t)
	tr := &Transport{MaxStreamBuffer: 1000, ReceiveTimeout: 100 * time.Millisecond}
	c, raw, r := rawPair(t, tr)
	go func() {
		var in []byte
		in = appendFrame(in, 0, flagNewStream, nil)
		for range 3 {
			in = appendFrame(in, 0, flagMessageInitiator, bytes.Repeat([]byte{1}, 600))
		}
		in = appendFrame(in, 1, flagNewStream, nil)
		in = appendFrame(in, 1, flagMessageInitiator, []byte("fine"))
		raw.Write(in)
	}()
	slow, err := c.AcceptStream() // never read
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h, _, err := readFrame(r)
	if err != nil || h != (header{id: 0, flag: flagResetReceiver}) {
		t.Fatalf("frame = %+v, %v; want ResetReceiver for stream 0", h, err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("reset after %v, want after the 100ms receive timeout", d)
	}
	// The buffered data is dropped, and the reset is reported.
	var se *network.StreamError
	if _, err := slow.Read(make([]byte, 10)); !errors.As(err, &se) || se.ErrorCode != network.StreamResourceLimitExceeded {
		t.Fatalf("Read on the reset stream error = %v, want StreamResourceLimitExceeded", err)
	}
	s, err := c.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 4)
	if _, err := io.ReadFull(s, b); err != nil || string(b) != "fine" {
		t.Fatalf("ReadFull on the next stream = %q, %v", b, err)
	}
}

// TestBufferBound: the reader waits while a stream's buffer is full and
// goes on as soon as the application reads.
func TestBufferBound(t *testing.T) {
	checkGoroutines(t)
	tr := &Transport{MaxStreamBuffer: 64 << 10}
	a, b, _, sb := muxPair(t, tr)
	sa, _ := a.OpenStream(context.Background())
	msg := bytes.Repeat([]byte("x"), 1<<20)
	go func() {
		sa.Write(msg)
		sa.CloseWrite()
	}()
	s, err := b.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the buffer to fill", func() bool { return sb.Reserved() == 64<<10 })
	time.Sleep(20 * time.Millisecond)
	if r := sb.Reserved(); r > 64<<10 {
		t.Fatalf("reserved = %d, want at most the 64 KiB buffer", r)
	}
	got, err := io.ReadAll(s)
	if err != nil || len(got) != len(msg) {
		t.Fatalf("ReadAll = %d bytes, %v; want %d", len(got), err, len(msg))
	}
}

// TestScopeRefusal: a stream whose data the scope refuses is reset.
func TestScopeRefusal(t *testing.T) {
	checkGoroutines(t)
	ca, cb := tcpPair(t)
	scope := &testScope{limit: 100}
	ma, _ := DefaultTransport.NewConn(ca, false, nil)
	mb, _ := DefaultTransport.NewConn(cb, true, scope)
	defer ma.Close()
	defer mb.Close()
	sa, _ := ma.OpenStream(context.Background())
	sa.Write(make([]byte, 101))
	sb, err := mb.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	var se *network.StreamError
	if _, err := sb.Read(make([]byte, 200)); !errors.As(err, &se) || se.ErrorCode != network.StreamResourceLimitExceeded {
		t.Fatalf("Read error = %v, want StreamResourceLimitExceeded", err)
	}
	if _, err := io.ReadAll(sa); !errors.Is(err, network.ErrReset) {
		t.Fatalf("peer's Read error = %v, want ErrReset", err)
	}
	if r := scope.Reserved(); r != 0 {
		t.Fatalf("reserved = %d, want 0", r)
	}
}

// TestMaxInboundStreams: streams over the limit are reset at once.
func TestMaxInboundStreams(t *testing.T) {
	checkGoroutines(t)
	c, raw, r := rawPair(t, &Transport{MaxInboundStreams: 2})
	go func() {
		var in []byte
		for id := range uint64(3) {
			in = appendFrame(in, id, flagNewStream, nil)
		}
		raw.Write(in)
	}()
	h, _, err := readFrame(r)
	if err != nil || h != (header{id: 2, flag: flagResetReceiver}) {
		t.Fatalf("frame = %+v, %v; want ResetReceiver for stream 2", h, err)
	}
	for range 2 {
		if _, err := c.AcceptStream(); err != nil {
			t.Fatal(err)
		}
	}
	if n := numStreams(c); n != 2 {
		t.Fatalf("routed streams = %d, want 2", n)
	}
}

// TestPeerNotReading: a peer that opens streams over the limit and never
// reads the resets it gets is disconnected once they pile up.
func TestPeerNotReading(t *testing.T) {
	checkGoroutines(t)
	c, raw, _ := rawPair(t, &Transport{MaxInboundStreams: 1})
	go func() {
		var in []byte
		for id := range uint64(3 * maxCtrlBacklog / 3) {
			in = appendFrame(in, id, flagNewStream, nil)
		}
		raw.Write(in)
	}()
	var err error
	for err == nil {
		_, err = c.AcceptStream()
	}
	if !errors.Is(err, ErrPeerNotReading) {
		t.Fatalf("AcceptStream error = %v, want ErrPeerNotReading", err)
	}
}
