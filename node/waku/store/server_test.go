package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/store"
	"github.com/cairn-node/cairn/node/waku/store/archive"
)

const (
	topicA = "/waku/2/rs/1/0"
	topicB = "/waku/2/rs/1/1"
	ctChat = "/app/1/chat/proto"
)

var quiet = slog.New(slog.DiscardHandler)

func newHost(t *testing.T) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// fixture is a store server with an archive and a client host that knows
// its address.
type fixture struct {
	arch   *archive.Archive
	server host.Host
	client host.Host
	srv    *store.Server
	reg    *prometheus.Registry
	msgs   []stored // ascending
}

type stored struct {
	hash  [32]byte
	topic string
	m     message.Message
}

func newFixture(t *testing.T, n int, opts store.ServerOptions) *fixture {
	t.Helper()
	now := time.Unix(1_700_000_000, 0)
	a, err := archive.Open(archive.Options{Dir: t.TempDir(), Now: func() time.Time { return now }, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	f := &fixture{arch: a, server: newHost(t), client: newHost(t), reg: prometheus.NewRegistry()}
	for i := range n {
		topic := topicA
		if i%4 == 3 {
			topic = topicB
		}
		m := message.Message{Payload: []byte(fmt.Sprintf("m%d", i)), ContentTopic: ctChat, Timestamp: now.Add(time.Duration(i%50-25) * 100 * time.Millisecond).UnixNano()}
		h, err := a.Add(context.Background(), topic, m)
		if err != nil {
			t.Fatalf("Add(%d) = %v", i, err)
		}
		f.msgs = append(f.msgs, stored{h, topic, m})
	}
	slices.SortFunc(f.msgs, func(x, y stored) int {
		if x.m.Timestamp != y.m.Timestamp {
			return int(x.m.Timestamp - y.m.Timestamp)
		}
		return bytes.Compare(x.hash[:], y.hash[:])
	})
	if opts.Metrics, err = store.NewMetrics(f.reg); err != nil {
		t.Fatal(err)
	}
	opts.Logger = quiet
	if f.srv, err = store.NewServer(f.server, a, opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.Close() })
	f.client.Peerstore().AddAddrs(f.server.ID(), f.server.Addrs(), time.Hour)
	return f
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestPaginationOverLibp2p pages through 260 messages of topic A (195 of
// them) in both directions, 100 at a time, over two real hosts.
func TestPaginationOverLibp2p(t *testing.T) {
	f := newFixture(t, 260, store.ServerOptions{})
	var want [][32]byte
	for _, s := range f.msgs {
		if s.topic == topicA {
			want = append(want, s.hash)
		}
	}
	c := store.Client{Host: f.client}
	for _, forward := range []bool{true, false} {
		req := store.Request{IncludeData: true, PubsubTopic: ptr(topicA), ContentTopics: []string{ctChat}, PaginationForward: forward, PaginationLimit: ptr(uint64(500))}
		var got [][32]byte
		pages := 0
		for {
			resp, err := c.Query(ctx(t), f.server.ID(), req)
			if err != nil {
				t.Fatalf("Query(forward=%v, page %d) = %v", forward, pages, err)
			}
			pages++
			if resp.StatusCode != 200 || resp.StatusDesc != "OK" || resp.RequestID == "" {
				t.Fatalf("status %d %q, request id %q", resp.StatusCode, resp.StatusDesc, resp.RequestID)
			}
			var page [][32]byte
			for _, kv := range resp.Messages {
				if kv.Message == nil || *kv.PubsubTopic != topicA || message.Hash(topicA, *kv.Message) != kv.MessageHash {
					t.Fatalf("message %x: data missing or not matching its hash", kv.MessageHash)
				}
				page = append(page, kv.MessageHash)
			}
			if forward {
				got = append(got, page...)
			} else {
				got = append(page, got...)
			}
			if resp.PaginationCursor == nil {
				break
			}
			if len(page) != store.MaxPageSize {
				t.Fatalf("page %d has %d messages and a cursor, want %d", pages, len(page), store.MaxPageSize)
			}
			req.PaginationCursor = resp.PaginationCursor
		}
		if pages != 2 || !slices.Equal(got, want) {
			t.Errorf("forward=%v: %d pages, %d hashes, want 2 pages and the %d hashes of topic A in order", forward, pages, len(got), len(want))
		}
	}
	if got := metric(t, f.reg, "waku_store_queries"); got != 4 {
		t.Errorf("waku_store_queries = %v, want 4", got)
	}
}

func TestHashLookupAndDefaults(t *testing.T) {
	f := newFixture(t, 30, store.ServerOptions{})
	// Presence query: hashes only, no data.
	resp, err := store.Query(ctx(t), f.client, f.server.ID(), store.Request{
		MessageHashes: [][32]byte{f.msgs[7].hash, fill32(9), f.msgs[2].hash},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Messages) != 2 || resp.Messages[0].MessageHash != f.msgs[2].hash || resp.Messages[1].MessageHash != f.msgs[7].hash || resp.Messages[0].Message != nil {
		t.Errorf("presence query = %+v, want hashes of msgs 2 and 7 without data", resp.Messages)
	}
	// No limit: DefaultPageSize, the newest (backward by default).
	resp, err = store.Query(ctx(t), f.client, f.server.ID(), store.Request{RequestID: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	if resp.RequestID != "mine" || len(resp.Messages) != store.DefaultPageSize || resp.Messages[0].MessageHash != f.msgs[10].hash || *resp.PaginationCursor != f.msgs[10].hash {
		t.Errorf("default query: id %q, %d messages, first %x, cursor %x; want mine, 20, %x twice", resp.RequestID, len(resp.Messages), resp.Messages[0].MessageHash, resp.PaginationCursor, f.msgs[10].hash)
	}
}

func TestErrorStatuses(t *testing.T) {
	f := newFixture(t, 5, store.ServerOptions{})
	c := store.Client{Host: f.client}
	unknown := fill32(7)
	for name, tc := range map[string]struct {
		req  store.Request
		code uint32
	}{
		"unknown cursor":    {store.Request{PaginationCursor: &unknown}, 400},
		"11 content topics": {store.Request{ContentTopics: slices.Repeat([]string{ctChat}, 11)}, 400},
	} {
		resp, err := c.Query(ctx(t), f.server.ID(), tc.req)
		var se *store.StatusError
		if !errors.As(err, &se) || se.Code != tc.code || resp.StatusCode != tc.code {
			t.Errorf("Query(%s) = %+v, %v, want status %d", name, resp, err, tc.code)
		}
	}
	if _, err := c.Query(ctx(t), f.server.ID(), store.Request{PaginationCursor: &[32]byte{}}); !errors.Is(err, store.ErrInvalidCursor) {
		t.Errorf("Query(zero cursor) = %v, want ErrInvalidCursor", err)
	}
	// Malformed requests, sent raw: status 400, and the server goes on.
	for name, raw := range map[string][]byte{
		"garbage":        {0xff, 0xff, 0xff},
		"no request_id":  {0x10, 0x01},
		"short hash":     {0x0a, 0x00, 0xa2, 0x01, 0x01, 0x01},
		"empty frame":    {},
		"huge length":    nil, // frame length above MaxRequestSize
		"truncated body": nil,
	} {
		frame := append(binary.AppendUvarint(nil, uint64(len(raw))), raw...)
		switch name {
		case "huge length":
			frame = binary.AppendUvarint(nil, store.MaxRequestSize+1)
		case "truncated body":
			frame = []byte{0x05, 0x0a}
		}
		resp, err := raw1(t, f, frame)
		if name == "truncated body" {
			if err == nil {
				t.Errorf("%s: got a response %+v, want the stream reset", name, resp)
			}
			continue
		}
		if err != nil || resp.StatusCode != 400 || !bytes.HasPrefix([]byte(resp.StatusDesc), []byte("decoding rpc failed: ")) {
			t.Errorf("%s: %+v, %v, want status 400 decoding rpc failed", name, resp, err)
		}
	}
	if got := metric(t, f.reg, "waku_store_errors"); got != 5 {
		t.Errorf("waku_store_errors = %v, want 5 (the malformed requests)", got)
	}
	if _, err := c.Query(ctx(t), f.server.ID(), store.Request{}); err != nil {
		t.Errorf("Query after malformed requests = %v", err)
	}
	f.arch.Close()
	if _, err := c.Query(ctx(t), f.server.ID(), store.Request{}); !isStatus(err, 503) {
		t.Errorf("Query(archive closed) = %v, want status 503", err)
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, 1, store.ServerOptions{RateLimit: 2, RatePeriod: time.Hour})
	for i := range 3 {
		resp, err := store.Query(ctx(t), f.client, f.server.ID(), store.Request{})
		if i < 2 && err != nil {
			t.Errorf("query %d = %v, want it served", i, err)
		}
		if i == 2 && (!isStatus(err, 429) || resp.RequestID != "N/A" || resp.StatusDesc != "TOO_MANY_REQUESTS") {
			t.Errorf("query 3 = %+v, %v, want 429 TOO_MANY_REQUESTS, request id N/A", resp, err)
		}
	}
}

func TestDialFailure(t *testing.T) {
	h := newHost(t)
	other := newHost(t) // never told its address
	id := other.ID()
	other.Close()
	if _, err := store.Query(ctx(t), h, id, store.Request{}); !errors.Is(err, store.ErrDial) {
		t.Errorf("Query(unreachable peer) = %v, want ErrDial", err)
	}
}

func isStatus(err error, code uint32) bool {
	var se *store.StatusError
	return errors.As(err, &se) && se.Code == code
}

// raw1 sends frame on a new store stream and decodes the answer.
func raw1(t *testing.T, f *fixture, frame []byte) (store.Response, error) {
	t.Helper()
	st, err := f.client.NewStream(ctx(t), f.server.ID(), store.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Write(frame); err != nil {
		t.Fatal(err)
	}
	st.CloseWrite()
	b, err := io.ReadAll(st)
	if err != nil {
		return store.Response{}, err
	}
	n, w := binary.Uvarint(b)
	if w <= 0 || int(n) != len(b)-w {
		return store.Response{}, fmt.Errorf("answer of %d bytes is not one frame", len(b))
	}
	return store.DecodeResponse(b[w:])
}

// metric sums the values of the series of metric name.
func metric(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() == name {
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return sum
}

// TestLargePages checks that a page of big messages is cut at
// MaxResponseBytes (js-waku's frame limit) and that paging still returns
// every message, in both directions.
func TestLargePages(t *testing.T) {
	f := newFixture(t, 0, store.ServerOptions{})
	var want [][32]byte
	for i := range 40 {
		m := message.Message{Payload: bytes.Repeat([]byte{byte(i)}, 140<<10), ContentTopic: ctChat, Timestamp: time.Unix(1_700_000_000, int64(i)).UnixNano()}
		h, err := f.arch.Add(context.Background(), topicA, m)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, h)
	}
	for _, forward := range []bool{true, false} {
		req := store.Request{IncludeData: true, PaginationForward: forward, PaginationLimit: ptr(uint64(100))}
		var got [][32]byte
		for pages := 1; ; pages++ {
			resp := store.Answer(context.Background(), f.arch, req)
			if n := len(resp.Encode()); resp.StatusCode != 200 || n > store.MaxResponseBytes {
				t.Fatalf("forward=%v page %d: status %d, %d bytes (limit %d)", forward, pages, resp.StatusCode, n, store.MaxResponseBytes)
			}
			var page [][32]byte
			for _, kv := range resp.Messages {
				page = append(page, kv.MessageHash)
			}
			if forward {
				got = append(got, page...)
			} else {
				got = append(page, got...)
			}
			if resp.PaginationCursor == nil {
				if pages != 2 {
					t.Errorf("forward=%v: %d pages, want 2 (29 messages fit in 4 MiB)", forward, pages)
				}
				break
			}
			req.PaginationCursor = resp.PaginationCursor
		}
		if !slices.Equal(got, want) {
			t.Errorf("forward=%v: got %d hashes, want all %d in order", forward, len(got), len(want))
		}
	}
}
