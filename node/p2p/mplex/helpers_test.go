package mplex

import (
	"bufio"
	"net"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// testScope is a network.PeerScope that counts reserved bytes and can
// refuse reservations over a limit (0: no limit).
type testScope struct {
	mu       sync.Mutex
	reserved int
	limit    int
}

func (s *testScope) ReserveMemory(n int, _ uint8) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.limit > 0 && s.reserved+n > s.limit {
		return network.ErrResourceLimitExceeded
	}
	s.reserved += n
	return nil
}

func (s *testScope) ReleaseMemory(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reserved -= n
}

func (s *testScope) Reserved() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reserved
}

func (s *testScope) Stat() network.ScopeStat { return network.ScopeStat{} }
func (s *testScope) BeginSpan() (network.ResourceScopeSpan, error) {
	return nil, network.ErrResourceLimitExceeded
}
func (s *testScope) Peer() peer.ID { return "" }

var _ network.PeerScope = (*testScope)(nil)

// checkGoroutines fails the test if, at its end (after the cleanups
// registered later), more goroutines run than at the call.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for {
			n := runtime.NumGoroutine()
			if n <= before {
				return
			}
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<16)
				buf = buf[:runtime.Stack(buf, true)]
				t.Fatalf("goroutines = %d after the test, want <= %d:\n%s", n, before, buf)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		ch <- res{c, err}
	}()
	a, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	return a, r.c
}

// muxPair returns two connected muxers over TCP, closed at the test's end,
// with their scopes.
func muxPair(t *testing.T, tr *Transport) (a, b *Conn, sa, sb *testScope) {
	t.Helper()
	ca, cb := tcpPair(t)
	sa, sb = &testScope{}, &testScope{}
	ma, _ := tr.NewConn(ca, false, sa)
	mb, _ := tr.NewConn(cb, true, sb)
	a, b = ma.(*Conn), mb.(*Conn)
	t.Cleanup(func() {
		a.Close()
		b.Close()
		if r := sa.Reserved(); r != 0 {
			t.Errorf("scope A reserved = %d after Close, want 0", r)
		}
		if r := sb.Reserved(); r != 0 {
			t.Errorf("scope B reserved = %d after Close, want 0", r)
		}
	})
	return a, b, sa, sb
}

// rawPair returns a muxer and the raw peer end of a net.Pipe, with a
// frame reader on the raw end.
func rawPair(t *testing.T, tr *Transport) (*Conn, net.Conn, *bufio.Reader) {
	t.Helper()
	x, raw := net.Pipe()
	mc, _ := tr.NewConn(x, false, nil)
	c := mc.(*Conn)
	t.Cleanup(func() {
		c.Close()
		raw.Close()
	})
	return c, raw, bufio.NewReader(raw)
}

// numStreams returns how many streams c routes.
func numStreams(c *Conn) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.mu.streams)
}

// waitFor polls cond for up to 2 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
