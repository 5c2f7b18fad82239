// Package wakutest holds the test helpers that the Waku protocol
// packages (filter, lightpush) share: libp2p hosts on loopback, one raw
// framed request, waiting for a condition, reading a Prometheus counter,
// hex with spaces, and js-waku's test vectors (vectors.go). Every helper
// fails the test through t instead of returning an error. Only tests
// import it.
package wakutest

import (
	"context"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/waku/internal/wakustream"
)

// Timeout bounds Context and WaitFor.
const Timeout = 5 * time.Second

// NewHost returns a libp2p host listening on a loopback TCP port, closed
// when the test ends.
func NewHost(t testing.TB) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatalf("libp2p.New() = %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// Connect connects a to b.
func Connect(t testing.TB, a, b host.Host) {
	t.Helper()
	if err := a.Connect(t.Context(), peer.AddrInfo{ID: b.ID(), Addrs: b.Addrs()}); err != nil {
		t.Fatalf("Connect() = %v", err)
	}
}

// Context returns the test's context, cancelled after Timeout.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// WaitFor polls cond every 20 ms and fails the test when it is still
// false after Timeout; what names the condition in the failure.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// RoundTrip opens a stream from h to p on protocol id, writes b as one
// length-prefixed message and returns the framed answer (at most maxSize
// bytes), unparsed.
func RoundTrip(t testing.TB, h host.Host, p peer.ID, id protocol.ID, b []byte, maxSize int) []byte {
	t.Helper()
	st, err := h.NewStream(Context(t), p, id)
	if err != nil {
		t.Fatalf("NewStream() = %v", err)
	}
	defer st.Close()
	if err := wakustream.WriteMsg(st, b); err != nil {
		t.Fatalf("WriteMsg() = %v", err)
	}
	buf, err := wakustream.ReadMsg(st, maxSize)
	if err != nil {
		t.Fatalf("ReadMsg() = %v", err)
	}
	return buf
}

// Metric returns the value of the counter name{type=label} registered on
// reg, or of the gauge name when label is ""; 0 when there is none.
func Metric(t testing.TB, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather() = %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" {
				return m.GetGauge().GetValue()
			}
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "type" && lp.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

// Unhex decodes hex written with spaces (one group per protobuf field).
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}
