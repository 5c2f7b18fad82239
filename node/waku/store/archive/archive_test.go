package archive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/store/archive"
)

const (
	topicA = "/waku/2/rs/1/0"
	topicB = "/waku/2/rs/1/3"
	ctChat = "/app/1/chat/proto"
	ctMisc = "/app/1/misc/proto"
)

// base is the fake clock's start; messages are stamped around it.
var base = time.Unix(1_700_000_000, 0)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

var quiet = slog.New(slog.DiscardHandler)

func open(t *testing.T, dir string, c *clock, o archive.Options) *archive.Archive {
	t.Helper()
	o.Dir, o.Now, o.Logger = dir, c.Now, quiet
	a, err := archive.Open(o)
	if err != nil {
		t.Fatalf("Open(%s) = %v", dir, err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// msg returns message i: timestamp base + i/2 ms (so pairs share a
// timestamp and order by hash), content topic ctChat or ctMisc.
func msg(i int) message.Message {
	ct := ctChat
	if i%3 == 2 {
		ct = ctMisc
	}
	return message.Message{
		Payload:      []byte(fmt.Sprintf("payload %d", i)),
		ContentTopic: ct,
		Timestamp:    base.Add(time.Duration(i/2) * time.Millisecond).UnixNano(),
		Meta:         []byte{byte(i)},
	}
}

type stored struct {
	hash  [32]byte
	topic string
	m     message.Message
}

// fill adds n messages, alternating topics A and B, and returns them in
// ascending (timestamp, hash) order.
func fill(t *testing.T, a *archive.Archive, n int) []stored { return fillRange(t, a, 0, n) }

// fillRange adds messages from to to-1 as fill does.
func fillRange(t *testing.T, a *archive.Archive, from, to int) []stored {
	t.Helper()
	var all []stored
	for i := from; i < to; i++ {
		topic := topicA
		if i%2 == 1 {
			topic = topicB
		}
		m := msg(i)
		h, err := a.Add(context.Background(), topic, m)
		if err != nil {
			t.Fatalf("Add(%d) = %v", i, err)
		}
		if h != message.Hash(topic, m) {
			t.Fatalf("Add(%d) hash = %x, want message.Hash", i, h)
		}
		all = append(all, stored{h, topic, m})
	}
	sortStored(all)
	return all
}

func sortStored(all []stored) {
	slices.SortFunc(all, func(x, y stored) int {
		if x.m.Timestamp != y.m.Timestamp {
			return int(x.m.Timestamp - y.m.Timestamp)
		}
		return bytes.Compare(x.hash[:], y.hash[:])
	})
}

func hashesOf(es []archive.Entry) [][32]byte {
	var hs [][32]byte
	for _, e := range es {
		hs = append(hs, e.Hash)
	}
	return hs
}

func want(all []stored, keep func(stored) bool) [][32]byte {
	var hs [][32]byte
	for _, s := range all {
		if keep(s) {
			hs = append(hs, s.hash)
		}
	}
	return hs
}

// walk pages through q and returns every hash in ascending order, checking
// that each page is ascending and at most pageSize long.
func walk(t *testing.T, a *archive.Archive, q archive.Query, pageSize int) [][32]byte {
	t.Helper()
	var got [][32]byte
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		p, err := a.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("Query(%+v) = %v", q, err)
		}
		if len(p.Entries) > pageSize {
			t.Fatalf("page of %d entries, want at most %d", len(p.Entries), pageSize)
		}
		if !slices.IsSortedFunc(p.Entries, func(x, y archive.Entry) int {
			if x.Timestamp != y.Timestamp {
				return int(x.Timestamp - y.Timestamp)
			}
			return bytes.Compare(x.Hash[:], y.Hash[:])
		}) {
			t.Fatal("page not in ascending order")
		}
		if q.Forward {
			got = append(got, hashesOf(p.Entries)...)
		} else {
			got = append(hashesOf(p.Entries), got...)
		}
		if p.Cursor == nil {
			return got
		}
		if len(p.Entries) != pageSize {
			t.Fatalf("page of %d entries with a cursor, want a full page of %d", len(p.Entries), pageSize)
		}
		q.Cursor = p.Cursor
	}
}

func TestPagination(t *testing.T) {
	c := &clock{base}
	a := open(t, t.TempDir(), c, archive.Options{MaxClockDrift: -1})
	all := fill(t, a, 260)
	everything := func(stored) bool { return true }
	inA := func(s stored) bool { return s.topic == topicA }
	for _, tc := range []struct {
		name string
		q    archive.Query
		size int
		keep func(stored) bool
	}{
		{"forward, default page", archive.Query{Forward: true}, archive.DefaultPageSize, everything},
		{"backward, max page", archive.Query{PageSize: 1000}, archive.MaxPageSize, everything},
		{"forward, topic A, 7 a page", archive.Query{Forward: true, PubsubTopic: topicA, PageSize: 7}, 7, inA},
		{"backward, topic A, chat only", archive.Query{PubsubTopic: topicA, ContentTopics: []string{ctChat}, PageSize: 100}, 100,
			func(s stored) bool { return inA(s) && s.m.ContentTopic == ctChat }},
		{"forward, content topic without pubsub topic", archive.Query{Forward: true, ContentTopics: []string{ctMisc}, PageSize: 30}, 30,
			func(s stored) bool { return s.m.ContentTopic == ctMisc }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := walk(t, a, tc.q, tc.size)
			if w := want(all, tc.keep); !slices.Equal(got, w) {
				t.Errorf("walk = %d hashes, want %d (or order differs)", len(got), len(w))
			}
		})
	}
	// The first backward page is the newest entries, in ascending order.
	p, err := a.Query(context.Background(), archive.Query{PageSize: 3, IncludeData: true})
	if err != nil {
		t.Fatal(err)
	}
	last := all[len(all)-3:]
	for i, e := range p.Entries {
		if e.Hash != last[i].hash || e.PubsubTopic != last[i].topic || !bytes.Equal(e.Message.Payload, last[i].m.Payload) {
			t.Errorf("newest page[%d] = %x %s %q, want %x %s %q", i, e.Hash, e.PubsubTopic, e.Message.Payload, last[i].hash, last[i].topic, last[i].m.Payload)
		}
	}
	if p.Cursor == nil || *p.Cursor != last[0].hash {
		t.Errorf("backward cursor = %v, want the oldest entry of the page %x", p.Cursor, last[0].hash)
	}
}

func TestFilters(t *testing.T) {
	c := &clock{base}
	a := open(t, t.TempDir(), c, archive.Options{MaxClockDrift: -1})
	all := fill(t, a, 40)
	ctx := context.Background()
	ts := func(i int) *int64 { v := all[i].m.Timestamp; return &v }

	// Time bounds are inclusive at both ends.
	p, err := a.Query(ctx, archive.Query{Forward: true, StartTime: ts(10), EndTime: ts(20), PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	w := want(all, func(s stored) bool { return s.m.Timestamp >= *ts(10) && s.m.Timestamp <= *ts(20) })
	if got := hashesOf(p.Entries); !slices.Equal(got, w) || len(w) < 11 {
		t.Errorf("time range: %d entries, want %d", len(got), len(w))
	}

	// Hash lookup: unknown hashes are skipped; no data without IncludeData.
	unknown := [32]byte{9}
	p, err = a.Query(ctx, archive.Query{Hashes: [][32]byte{all[5].hash, unknown, all[3].hash, all[5].hash}, Forward: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := hashesOf(p.Entries); !slices.Equal(got, [][32]byte{all[3].hash, all[5].hash}) || p.Entries[0].Message.Payload != nil || p.Entries[0].PubsubTopic != "" {
		t.Errorf("hash lookup = %x, want [%x %x] without data", got, all[3].hash, all[5].hash)
	}
	// Hash lookup with a pubsub topic filter and a page of one.
	p, err = a.Query(ctx, archive.Query{Hashes: [][32]byte{all[1].hash, all[2].hash, all[3].hash}, PubsubTopic: all[3].topic, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	w = want(all[1:4], func(s stored) bool { return s.topic == all[3].topic })
	if len(p.Entries) != 1 || p.Entries[0].Hash != w[len(w)-1] {
		t.Errorf("hash lookup backward, topic filtered = %x, want %x", hashesOf(p.Entries), w[len(w)-1])
	}

	for name, q := range map[string]archive.Query{
		"zero cursor":       {Cursor: &[32]byte{}},
		"unknown cursor":    {Cursor: &unknown},
		"11 content topics": {ContentTopics: slices.Repeat([]string{ctChat}, 11)},
	} {
		if _, err := a.Query(ctx, q); !errors.Is(err, archive.ErrInvalidQuery) {
			t.Errorf("Query(%s) = %v, want ErrInvalidQuery", name, err)
		}
	}
	if _, err := a.Query(ctx, archive.Query{Cursor: &unknown}); !errors.Is(err, archive.ErrCursorNotFound) {
		t.Errorf("Query(unknown cursor) = %v, want ErrCursorNotFound", err)
	}
}

func TestAddRejects(t *testing.T) {
	c := &clock{base}
	reg := prometheus.NewRegistry()
	a := open(t, t.TempDir(), c, archive.Options{Registerer: reg})
	ctx := context.Background()
	now := base.UnixNano()
	ok := message.Message{Payload: []byte("x"), ContentTopic: ctChat, Timestamp: now, RateLimitProof: []byte{1, 2, 3}}
	if _, err := a.Add(ctx, topicA, ok); err != nil {
		t.Fatalf("Add(now) = %v", err)
	}
	for _, tc := range []struct {
		name string
		m    message.Message
		err  error
	}{
		{"duplicate", ok, archive.ErrDuplicate},
		{"ephemeral", message.Message{Payload: []byte("e"), Timestamp: now, Ephemeral: true}, archive.ErrEphemeral},
		{"zero timestamp", message.Message{Payload: []byte("z")}, archive.ErrTimestampOutOfRange},
		{"21 s old", message.Message{Payload: []byte("o"), Timestamp: now - 21e9}, archive.ErrTimestampOutOfRange},
		{"21 s ahead", message.Message{Payload: []byte("f"), Timestamp: now + 21e9}, archive.ErrTimestampOutOfRange},
	} {
		if _, err := a.Add(ctx, topicA, tc.m); !errors.Is(err, tc.err) {
			t.Errorf("Add(%s) = %v, want %v", tc.name, err, tc.err)
		}
	}
	if _, err := a.Add(ctx, topicA, message.Message{Payload: []byte("edge"), Timestamp: now - 20e9}); err != nil {
		t.Errorf("Add(20 s old) = %v, want nil", err)
	}
	if n, _ := a.Count(); n != 2 {
		t.Errorf("Count() = %d, want 2", n)
	}
	for label, w := range map[string]float64{"invalid_message_too_old": 2, "invalid_message_future_timestamp": 1} {
		if got := metricValue(t, reg, "waku_archive_errors", label); got != w {
			t.Errorf("waku_archive_errors{type=%q} = %v, want %v", label, got, w)
		}
	}
	if got := metricValue(t, reg, "waku_archive_messages", "stored"); got != 2 {
		t.Errorf("waku_archive_messages{type=stored} = %v, want 2", got)
	}
	// The proof is not kept, as in nwaku's databases; the hash is the same.
	p, err := a.Query(ctx, archive.Query{IncludeData: true, Hashes: [][32]byte{message.Hash(topicA, ok)}})
	if err != nil || len(p.Entries) != 1 {
		t.Fatalf("Query(hash) = %v, %v", p, err)
	}
	if got := p.Entries[0].Message; got.RateLimitProof != nil || string(got.Payload) != "x" || got.Timestamp != now {
		t.Errorf("stored message = %+v, want payload x, the timestamp, no proof", got)
	}
}

// metricValue returns the value of metric name with the one label value,
// or -1 when there is none.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if m.GetLabel()[0].GetValue() == label {
				return m.GetCounter().GetValue() + m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

func TestReopen(t *testing.T) {
	dir, c := t.TempDir(), &clock{base}
	a := open(t, dir, c, archive.Options{MaxClockDrift: -1})
	all := fill(t, a, 30)
	n, size := a.Count()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if _, err := a.Query(context.Background(), archive.Query{}); !errors.Is(err, archive.ErrClosed) {
		t.Errorf("Query after Close = %v, want ErrClosed", err)
	}
	if _, err := a.Add(context.Background(), topicA, msg(99)); !errors.Is(err, archive.ErrClosed) {
		t.Errorf("Add after Close = %v, want ErrClosed", err)
	}
	b := open(t, dir, c, archive.Options{MaxClockDrift: -1})
	if n2, size2 := b.Count(); n2 != n || size2 != size || n != 30 {
		t.Errorf("Count() after reopen = %d, %d, want %d, %d", n2, size2, n, size)
	}
	if got := walk(t, b, archive.Query{Forward: true, PageSize: 100}, 100); !slices.Equal(got, want(all, func(stored) bool { return true })) {
		t.Errorf("after reopen: %d entries, want all %d in order", len(got), len(all))
	}
	if _, err := b.Add(context.Background(), all[0].topic, all[0].m); !errors.Is(err, archive.ErrDuplicate) {
		t.Errorf("Add(stored message) after reopen = %v, want ErrDuplicate", err)
	}
}

func TestRetention(t *testing.T) {
	ctx := context.Background()
	t.Run("time", func(t *testing.T) {
		c := &clock{base}
		a := open(t, t.TempDir(), c, archive.Options{MaxClockDrift: -1, Retention: archive.Retention{MaxAge: time.Hour}})
		// 10 messages 2 h old, 10 at 1 h 1 s, 10 fresh.
		for i := range 30 {
			m := msg(i)
			m.Timestamp = base.Add(-[]time.Duration{2 * time.Hour, time.Hour + time.Second, 0}[i/10]).UnixNano()
			if _, err := a.Add(ctx, topicA, m); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := a.Prune(ctx); n != 20 || err != nil {
			t.Errorf("Prune() = %d, %v, want 20 deleted", n, err)
		}
		// The oldest is now 1 h 1 s old: within the 10% margin, nothing goes.
		if n, err := a.Prune(ctx); n != 0 || err != nil {
			t.Errorf("second Prune() = %d, %v, want 0", n, err)
		}
		if n, _ := a.Count(); n != 10 {
			t.Errorf("Count() = %d, want 10", n)
		}
	})
	t.Run("capacity", func(t *testing.T) {
		c := &clock{base}
		a := open(t, t.TempDir(), c, archive.Options{MaxClockDrift: -1, Retention: archive.Retention{Capacity: 100}})
		all := fill(t, a, 129)
		if n, _ := a.Prune(ctx); n != 0 {
			t.Errorf("Prune() below 130 = %d deleted, want 0", n)
		}
		all = append(all, fillRange(t, a, 129, 130)...) // the 130th
		sortStored(all)
		if n, err := a.Prune(ctx); n != 15 || err != nil {
			t.Errorf("Prune() at 130 = %d, %v, want 15 deleted (down to 115)", n, err)
		}
		p, err := a.Query(ctx, archive.Query{Forward: true, PageSize: 1})
		if err != nil || len(p.Entries) != 1 {
			t.Fatal(p, err)
		}
		if p.Entries[0].Hash != all[15].hash {
			t.Errorf("oldest after pruning = %x, want the 16th oldest %x", p.Entries[0].Hash, all[15].hash)
		}
	})
	t.Run("size, background", func(t *testing.T) {
		c := &clock{base}
		a := open(t, t.TempDir(), c, archive.Options{MaxClockDrift: -1, Retention: archive.Retention{MaxBytes: 20_000}})
		a.Start()
		fill(t, a, 200) // each entry is a little over 100 bytes
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, size := a.Count()
			if size <= 20_000 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("size still %d after 10 s, want <= 20000", size)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestParseRetention(t *testing.T) {
	for in, w := range map[string]archive.Retention{
		"":                     {},
		"none":                 {},
		"time:86400":           {MaxAge: 24 * time.Hour},
		"capacity:25000":       {Capacity: 25000},
		"size:30GB":            {MaxBytes: 30 << 30},
		"size:1.5mb":           {MaxBytes: 3 << 19},
		"time:60;capacity:10":  {MaxAge: time.Minute, Capacity: 10},
		"size:512mb;time:3600": {MaxBytes: 512 << 20, MaxAge: time.Hour},
	} {
		got, err := archive.ParseRetention(in)
		if err != nil || got != w {
			t.Errorf("ParseRetention(%q) = %+v, %v, want %+v", in, got, err, w)
			continue
		}
		back, err := archive.ParseRetention(got.String())
		if err != nil || back != got {
			t.Errorf("ParseRetention(%q.String() = %q) = %+v, %v", in, got.String(), back, err)
		}
	}
	for _, in := range []string{"time", "time:-1", "time:abc", "capacity:0", "size:10", "size:0mb", "size:xgb", "age:10"} {
		if _, err := archive.ParseRetention(in); err == nil {
			t.Errorf("ParseRetention(%q): no error", in)
		}
	}
}

// source delivers envelopes, then io.EOF-like end.
type source struct{ envs []relay.Envelope }

var errEnd = errors.New("end of test source")

func (s *source) Next(ctx context.Context) (relay.Envelope, error) {
	if len(s.envs) == 0 {
		return relay.Envelope{}, errEnd
	}
	e := s.envs[0]
	s.envs = s.envs[1:]
	return e, nil
}

func TestRun(t *testing.T) {
	c := &clock{base}
	a := open(t, t.TempDir(), c, archive.Options{})
	fresh := message.Message{Payload: []byte("a"), ContentTopic: ctChat, Timestamp: base.UnixNano()}
	src := &source{envs: []relay.Envelope{
		{PubsubTopic: topicA, Message: fresh},
		{PubsubTopic: topicA, Message: fresh},                                                                              // duplicate: skipped
		{PubsubTopic: topicA, Message: message.Message{Payload: []byte("old")}},                                            // refused: skipped
		{PubsubTopic: topicB, Message: message.Message{Payload: []byte("e"), Timestamp: base.UnixNano(), Ephemeral: true}}, // skipped
		{PubsubTopic: topicB, Message: fresh},
	}}
	if err := a.Run(context.Background(), src); !errors.Is(err, errEnd) {
		t.Fatalf("Run() = %v, want the source's error", err)
	}
	if n, _ := a.Count(); n != 2 {
		t.Errorf("Count() = %d, want 2 (the message on each topic)", n)
	}
}
