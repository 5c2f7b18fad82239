package blockexc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
)

// errClass names the kind of a frame-reading error, for comparing readers.
func errClass(err error) string {
	switch {
	case err == nil:
		return "nil"
	case err == io.EOF:
		return "EOF"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, wire.ErrTooLarge):
		return "too large"
	case errors.Is(err, wire.ErrMalformed):
		return "malformed"
	}
	return "other: " + err.Error()
}

// FuzzReadInto checks that conn.readInto reads frames exactly as
// wire.FrameReader does.
func FuzzReadInto(f *testing.F) {
	le := binary.LittleEndian
	frame := func(typ byte, p []byte) []byte {
		return append(append(le.AppendUint32(nil, uint32(1+len(p))), typ), p...)
	}
	f.Add(frame(wire.TypeControl, []byte{0x0a, 0x02, 0x10, 0x00}), 16)
	f.Add(append(frame(wire.TypeWantBlocksResponse, bytes.Repeat([]byte{7}, 100)), frame(wire.TypeControl, nil)...), 64)
	f.Add(frame(wire.TypeWantBlocksResponse, bytes.Repeat([]byte{7}, 100)), 128)
	f.Add([]byte{0, 0, 0, 0}, 8)
	f.Add(append(le.AppendUint32(nil, wire.MaxControlSize+2), 0), 8)
	f.Add(frame(9, nil), 8)
	f.Add(frame(wire.TypeWantBlocksRequest, []byte{1, 2})[:7], 8)
	f.Fuzz(func(t *testing.T, data []byte, bufLen int) {
		bufLen = max(0, min(bufLen, 1<<16))
		want := wire.NewFrameReader(bytes.NewReader(data))
		c := &conn{br: bufio.NewReaderSize(bytes.NewReader(data), 16)}
		buf := make([]byte, bufLen)
		for range 8 {
			wt, wp, werr := want.ReadFrame()
			gt, gp, gerr := c.readInto(buf)
			if errClass(werr) != errClass(gerr) {
				t.Fatalf("readInto error %v, FrameReader %v", gerr, werr)
			}
			if werr != nil {
				return
			}
			if gt != wt || !bytes.Equal(gp, wp) {
				t.Fatalf("readInto = %d %x, FrameReader %d %x", gt, gp, wt, wp)
			}
		}
	})
}

func TestSched(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p1, p2 := peer.ID("p1"), peer.ID("p2")
	var s sched
	s.init(10, 4, 2)
	s.activate([]peer.ID{p1, p2})

	a := s.next(ctx, p1) // 0..3
	b := s.next(ctx, p2) // 4..7
	c := s.next(ctx, p1) // 8..9
	if len(a.idx) != 4 || a.idx[0] != 0 || b.idx[0] != 4 || len(c.idx) != 2 || c.idx[1] != 9 {
		t.Fatalf("spans %v %v %v", a.idx, b.idx, c.idx)
	}
	s.done(a, p1, 3, []uint64{2}) // p1 left out block 2
	s.ban(b, p2, errors.New("bad block"))
	if sp := s.next(ctx, p2); sp != nil {
		t.Fatalf("banned provider got %v", sp.idx)
	}
	// p1 gets the returned batch of p2 first, then its own leftover.
	if sp := s.next(ctx, p1); sp == nil || sp.idx[0] != 4 {
		t.Fatalf("next = %v, want the banned provider's batch", sp)
	} else {
		s.done(sp, p1, 4, nil)
	}
	sp := s.next(ctx, p1)
	if sp == nil || len(sp.idx) != 1 || sp.idx[0] != 2 || sp.tries[p1] != 1 {
		t.Fatalf("next = %+v, want block 2 tried once", sp)
	}
	s.retry(sp, p1, errors.New("timeout")) // second failure: exhausted
	if err := s.result(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("result() = %v, want ErrUnavailable", err)
	}
	if sp := s.next(ctx, p1); sp != nil {
		t.Fatalf("next after failure = %v", sp.idx)
	}
	s.done(c, p1, 2, nil)
}
