package mplex

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// serveEcho accepts streams on c and echoes each until EOF, then closes
// its write side.
func serveEcho(c *Conn) {
	for {
		s, err := c.AcceptStream()
		if err != nil {
			return
		}
		go func() {
			defer s.Close()
			io.Copy(s, s)
		}()
	}
}

// echoRoundTrip opens a stream on c, writes msg in random pieces, closes
// its write side and returns what comes back.
func echoRoundTrip(c *Conn, msg []byte, rng *rand.Rand) ([]byte, error) {
	s, err := c.OpenStream(context.Background())
	if err != nil {
		return nil, err
	}
	defer s.Close()
	werr := make(chan error, 1)
	go func() {
		for rest := msg; len(rest) > 0; {
			n := min(len(rest), 1+rng.IntN(200<<10))
			if _, err := s.Write(rest[:n]); err != nil {
				werr <- err
				return
			}
			rest = rest[n:]
		}
		werr <- s.CloseWrite()
	}()
	got, err := io.ReadAll(s)
	if err != nil {
		return nil, err
	}
	return got, <-werr
}

func TestConcurrentStreamsBothWays(t *testing.T) {
	checkGoroutines(t)
	a, b, _, _ := muxPair(t, DefaultTransport)
	go serveEcho(a)
	go serveEcho(b)

	const perSide = 16
	var wg sync.WaitGroup
	errs := make(chan error, 2*perSide)
	for i := range 2 * perSide {
		c := a
		if i%2 == 1 {
			c = b
		}
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			msg := make([]byte, 1+rng.IntN(300<<10))
			for j := range msg {
				msg[j] = byte(rng.Uint32())
			}
			got, err := echoRoundTrip(c, msg, rng)
			if err != nil {
				errs <- fmt.Errorf("stream %d: %w", i, err)
				return
			}
			if !bytes.Equal(got, msg) {
				errs <- fmt.Errorf("stream %d: echoed %d bytes, want %d equal bytes", i, len(got), len(msg))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every stream was closed by both sides and read to EOF: none is
	// routed any more.
	waitFor(t, "streams to be forgotten", func() bool { return numStreams(a) == 0 && numStreams(b) == 0 })
}

func TestHalfClose(t *testing.T) {
	checkGoroutines(t)
	a, b, _, _ := muxPair(t, DefaultTransport)
	sa, err := a.OpenStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sa.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := sa.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if n, err := sa.Write([]byte("x")); n != 0 || !errors.Is(err, ErrWriteClosed) {
		t.Fatalf("Write after CloseWrite = %d, %v; want 0, ErrWriteClosed", n, err)
	}
	sb, err := b.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(sb)
	if err != nil || string(got) != "ping" {
		t.Fatalf("ReadAll on the receiver = %q, %v; want \"ping\", nil", got, err)
	}
	// The receiver can still write after the initiator's close.
	if _, err := sb.Write([]byte("pong")); err != nil {
		t.Fatalf("Write after the peer's CloseWrite: %v", err)
	}
	if err := sb.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err = io.ReadAll(sa)
	if err != nil || string(got) != "pong" {
		t.Fatalf("ReadAll on the initiator = %q, %v; want \"pong\", nil", got, err)
	}
	if n, err := sa.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("Read after EOF = %d, %v; want 0, EOF", n, err)
	}
	waitFor(t, "streams to be forgotten", func() bool { return numStreams(a) == 0 && numStreams(b) == 0 })
	if err := sa.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestCloseRead(t *testing.T) {
	checkGoroutines(t)
	a, b, _, sb := muxPair(t, DefaultTransport)
	sa, _ := a.OpenStream(context.Background())
	sa.Write([]byte("dropped"))
	s, err := b.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "data to be buffered", func() bool { return sb.Reserved() == len("dropped") })
	blocked := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(s)
		blocked <- err
	}()
	if err := s.CloseRead(); err != nil {
		t.Fatal(err)
	}
	if err := <-blocked; !errors.Is(err, ErrReadClosed) {
		t.Fatalf("Read after CloseRead error = %v, want ErrReadClosed", err)
	}
	if r := sb.Reserved(); r != 0 {
		t.Fatalf("reserved after CloseRead = %d, want 0", r)
	}
	// Writing still works: the peer reads it.
	if _, err := s.Write([]byte("reply")); err != nil {
		t.Fatal(err)
	}
	s.CloseWrite()
	got, err := io.ReadAll(sa)
	if err != nil || string(got) != "reply" {
		t.Fatalf("ReadAll = %q, %v; want \"reply\", nil", got, err)
	}
}

func TestReset(t *testing.T) {
	checkGoroutines(t)
	a, b, _, _ := muxPair(t, DefaultTransport)
	sa, _ := a.OpenStream(context.Background())
	sa.Write([]byte("hello"))
	sb, err := b.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(sa)
		readErr <- err
	}()
	if err := sb.Reset(); err != nil {
		t.Fatal(err)
	}
	var se *network.StreamError
	if _, err := sb.Read(make([]byte, 1)); !errors.As(err, &se) || se.Remote || !errors.Is(err, network.ErrReset) {
		t.Fatalf("Read after local Reset error = %v, want a local stream reset", err)
	}
	if _, err := sb.Write([]byte("x")); !errors.Is(err, network.ErrReset) {
		t.Fatalf("Write after local Reset error = %v, want ErrReset", err)
	}
	err = <-readErr
	if !errors.As(err, &se) || !se.Remote || !errors.Is(err, network.ErrReset) {
		t.Fatalf("peer's Read after Reset error = %v, want a remote stream reset", err)
	}
	if _, err := sa.Write([]byte("x")); !errors.Is(err, network.ErrReset) {
		t.Fatalf("peer's Write after Reset error = %v, want ErrReset", err)
	}
	waitFor(t, "streams to be forgotten", func() bool { return numStreams(a) == 0 && numStreams(b) == 0 })
	// The connection lives on.
	go serveEcho(b)
	if got, err := echoRoundTrip(a, []byte("after"), rand.New(rand.NewPCG(1, 2))); err != nil || string(got) != "after" {
		t.Fatalf("echo after a reset = %q, %v", got, err)
	}
}

// TestWireFormat checks the frames a Conn sends against the spec, byte for
// byte, and that long writes are split into MaxWriteFrame frames.
func TestWireFormat(t *testing.T) {
	checkGoroutines(t)
	c, raw, r := rawPair(t, DefaultTransport)
	msg := bytes.Repeat([]byte("0123456789abcdef"), (3*MaxWriteFrame+100)/16+1)
	go func() {
		s, err := c.OpenStream(context.Background())
		if err != nil {
			return
		}
		s.Write(msg)
		s.CloseWrite()
	}()
	h, data, err := readFrame(r)
	if err != nil || h != (header{id: 0, flag: flagNewStream, length: 1}) || string(data) != "0" {
		t.Fatalf("first frame = %+v %q, %v; want NewStream id 0 named \"0\"", h, data, err)
	}
	var got []byte
	frames := 0
	for {
		h, data, err := readFrame(r)
		if err != nil {
			t.Fatal(err)
		}
		if h.flag == flagCloseInitiator {
			if h.id != 0 || h.length != 0 {
				t.Fatalf("close frame = %+v, want id 0, empty", h)
			}
			break
		}
		if h.flag != flagMessageInitiator || h.id != 0 || len(data) > MaxWriteFrame {
			t.Fatalf("data frame = %+v, want MessageInitiator id 0 of at most %d bytes", h, MaxWriteFrame)
		}
		frames++
		got = append(got, data...)
	}
	if want := (len(msg) + MaxWriteFrame - 1) / MaxWriteFrame; frames != want || !bytes.Equal(got, msg) {
		t.Fatalf("got %d frames, %d bytes; want %d frames, %d equal bytes", frames, len(got), want, len(msg))
	}

	// The peer's stream 0 is another stream than ours: its frames carry
	// the initiator flags, our answers the receiver flags.
	raw.Write(appendFrame(nil, 0, flagNewStream, []byte("x")))
	raw.Write(appendFrame(nil, 0, flagMessageInitiator, []byte("abc")))
	raw.Write(appendFrame(nil, 0, flagCloseInitiator, nil))
	s, err := c.AcceptStream()
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(s); err != nil || string(b) != "abc" {
		t.Fatalf("ReadAll = %q, %v; want \"abc\"", b, err)
	}
	go s.Write([]byte("ok"))
	if h, data, err := readFrame(r); err != nil || h.flag != flagMessageReceiver || h.id != 0 || string(data) != "ok" {
		t.Fatalf("reply frame = %+v %q, %v; want MessageReceiver id 0 \"ok\"", h, data, err)
	}
	go s.Reset()
	if h, _, err := readFrame(r); err != nil || h.flag != flagResetReceiver || h.id != 0 {
		t.Fatalf("reset frame = %+v, %v; want ResetReceiver id 0", h, err)
	}
}

func TestDeadlines(t *testing.T) {
	checkGoroutines(t)
	c, _, r := rawPair(t, DefaultTransport)
	go func() { readFrame(r) }() // the NewStream frame; then nobody reads
	s, err := c.OpenStream(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	start := time.Now()
	_, err = s.Read(make([]byte, 1))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Read past the deadline error = %v, want os.ErrDeadlineExceeded", err)
	}
	if d := time.Since(start); d < 40*time.Millisecond || d > time.Second {
		t.Fatalf("Read returned after %v, want about 50ms", d)
	}
	// A deadline in the past fails at once; clearing it blocks again.
	s.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := s.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read with a past deadline error = %v", err)
	}
	s.SetReadDeadline(time.Time{})
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 1))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Read without deadline returned %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	s.SetReadDeadline(time.Now().Add(10 * time.Millisecond)) // moves the blocked Read's deadline
	if err := <-done; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("blocked Read after SetReadDeadline error = %v", err)
	}

	// Nobody reads the pipe: the writer goroutine blocks, and so does
	// Write, until its deadline.
	s.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	n, err := s.Write(make([]byte, 4*MaxWriteFrame))
	if !errors.Is(err, os.ErrDeadlineExceeded) || n >= 4*MaxWriteFrame {
		t.Fatalf("Write past the deadline = %d, %v; want a short count, os.ErrDeadlineExceeded", n, err)
	}
}

func TestCloseWithOpenStreams(t *testing.T) {
	checkGoroutines(t)
	a, b, sa, _ := muxPair(t, DefaultTransport)
	var streams []network.MuxedStream
	for range 5 {
		s, err := a.OpenStream(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, s)
	}
	for range 5 {
		s, err := b.AcceptStream()
		if err != nil {
			t.Fatal(err)
		}
		s.Write([]byte("unread"))
	}
	waitFor(t, "data to be buffered", func() bool { return sa.Reserved() == 5*len("unread") })
	errs := make(chan error, len(streams))
	for _, s := range streams[1:] {
		go func() {
			_, err := io.ReadAll(s)
			errs <- err
		}()
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if !a.IsClosed() {
		t.Fatal("IsClosed() = false after Close")
	}
	for range streams[1:] {
		if err := <-errs; !errors.Is(err, network.ErrReset) || !errors.Is(err, ErrClosed) {
			t.Fatalf("Read on a closed connection error = %v, want ErrReset and ErrClosed", err)
		}
	}
	if _, err := streams[0].Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write on a closed connection error = %v, want ErrClosed", err)
	}
	if _, err := a.OpenStream(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("OpenStream after Close error = %v, want ErrClosed", err)
	}
	if _, err := a.AcceptStream(); !errors.Is(err, ErrClosed) {
		t.Fatalf("AcceptStream after Close error = %v, want ErrClosed", err)
	}
	if r := sa.Reserved(); r != 0 {
		t.Fatalf("reserved after Close = %d, want 0", r)
	}
	// The peer sees the connection end.
	if _, err := b.AcceptStream(); !errors.Is(err, io.EOF) {
		t.Fatalf("peer's AcceptStream error = %v, want EOF", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
}

func TestOpenStreamContext(t *testing.T) {
	checkGoroutines(t)
	c, _, _ := rawPair(t, DefaultTransport) // nobody reads: the writer blocks
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var err error
	for range 3 { // the first NewStream is taken by the writer, which then blocks
		if _, err = c.OpenStream(ctx); err != nil {
			break
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("OpenStream on a stuck connection error = %v, want context.DeadlineExceeded", err)
	}
}

// TestStreamChurn opens and half-closes many streams from several
// goroutines, as go-libp2p's muxer test suite does (SubtestStreamOpenStress):
// each must see EOF, and none may stay routed.
func TestStreamChurn(t *testing.T) {
	checkGoroutines(t)
	a, b, _, _ := muxPair(t, DefaultTransport)
	const workers, perWorker = 4, 500
	go func() {
		for {
			s, err := b.AcceptStream()
			if err != nil {
				return
			}
			go s.Close()
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range perWorker {
				s, err := a.OpenStream(context.Background())
				if err != nil {
					errs <- err
					return
				}
				if err := s.CloseWrite(); err != nil {
					errs <- err
					return
				}
				if n, err := s.Read(make([]byte, 1)); n != 0 || err != io.EOF {
					errs <- fmt.Errorf("Read after both closed = %d, %v; want 0, EOF", n, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	waitFor(t, "streams to be forgotten", func() bool { return numStreams(a) == 0 && numStreams(b) == 0 })
}
