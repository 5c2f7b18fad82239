package httpapi_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/store"
	"github.com/cairn-node/cairn/node/waku/store/archive"
	"github.com/cairn-node/cairn/node/waku/store/httpapi"
)

const (
	topic  = "/waku/2/rs/1/0"
	ctChat = "/app/1/chat/proto"
	ctMisc = "/app/1/misc/proto"
)

var (
	quiet = slog.New(slog.DiscardHandler)
	now   = time.Unix(1_700_000_000, 0)
)

func newHost(t *testing.T) host.Host {
	t.Helper()
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// newArchive returns an archive holding n messages on topic, stamped 1 ms
// apart, content topics alternating ctChat and ctMisc, and their hashes in
// time order.
func newArchive(t *testing.T, n int, prefix string) (*archive.Archive, [][32]byte) {
	t.Helper()
	a, err := archive.Open(archive.Options{Dir: t.TempDir(), Now: func() time.Time { return now }, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	var hs [][32]byte
	for i := range n {
		ct := ctChat
		if i%2 == 1 {
			ct = ctMisc
		}
		m := message.Message{Payload: []byte(fmt.Sprintf("%s%d", prefix, i)), ContentTopic: ct, Timestamp: now.Add(time.Duration(i-n) * time.Millisecond).UnixNano(), Meta: []byte{1, 2}}
		h, err := a.Add(context.Background(), topic, m)
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	return a, hs
}

func serve(t *testing.T, opts httpapi.Options) *httptest.Server {
	t.Helper()
	opts.Logger = quiet
	mux := http.NewServeMux()
	httpapi.New(opts).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, srv *httptest.Server, params url.Values) (int, string) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/store/v3/messages?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func decode(t *testing.T, body string) httpapi.Response {
	t.Helper()
	var r httpapi.Response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("response %q: %v", body, err)
	}
	return r
}

func TestLocalQuery(t *testing.T) {
	a, hs := newArchive(t, 9, "p")
	srv := serve(t, httpapi.Options{Archive: a})

	// The JSON of one message, byte for byte.
	code, body := get(t, srv, url.Values{"includeData": {"true"}, "hashes": {"0x" + hex.EncodeToString(hs[0][:])}})
	want := `{"requestId":"","statusCode":200,"statusDesc":"OK","messages":[{"messageHash":"0x` + hex.EncodeToString(hs[0][:]) +
		`","message":{"payload":"cDA=","contentTopic":"/app/1/chat/proto","meta":"AQI=","version":0,"timestamp":` +
		fmt.Sprint(now.Add(-9*time.Millisecond).UnixNano()) + `,"ephemeral":false},"pubsubTopic":"/waku/2/rs/1/0"}]}` + "\n"
	if code != 200 || body != want {
		t.Errorf("GET hashes=… = %d %s\nwant %s", code, body, want)
	}

	// Page through the chat messages (0, 2, 4, 6, 8), two at a time,
	// forward by default; the cursor goes back in as a parameter.
	params := url.Values{"pubsubTopic": {topic}, "contentTopics": {ctChat + ",/other/1/x/proto"}, "pageSize": {"2"}}
	var got []string
	for range 10 {
		code, body := get(t, srv, params)
		if code != 200 {
			t.Fatalf("GET = %d %s", code, body)
		}
		r := decode(t, body)
		for _, kv := range r.Messages {
			if kv.Message != nil {
				t.Errorf("message %s has data without includeData", kv.MessageHash)
			}
			got = append(got, kv.MessageHash)
		}
		if r.PaginationCursor == "" {
			break
		}
		params.Set("cursor", r.PaginationCursor)
	}
	var w []string
	for i := 0; i < len(hs); i += 2 {
		w = append(w, "0x"+hex.EncodeToString(hs[i][:]))
	}
	if strings.Join(got, " ") != strings.Join(w, " ") {
		t.Errorf("paged hashes = %v, want %v", got, w)
	}

	// Backward, with a time window: the newest two of messages 2..6.
	code, body = get(t, srv, url.Values{"ascending": {"false"}, "pageSize": {"2"}, "includeData": {"yes"},
		"startTime": {fmt.Sprint(now.Add(-7 * time.Millisecond).UnixNano())}, "endTime": {fmt.Sprint(now.Add(-3 * time.Millisecond).UnixNano())}})
	r := decode(t, body)
	if code != 200 || len(r.Messages) != 2 || r.Messages[0].Message.Payload != "cDU=" || r.Messages[1].Message.Payload != "cDY=" || r.PaginationCursor != "0x"+hex.EncodeToString(hs[5][:]) {
		t.Errorf("backward window = %d %s, want p5, p6 and cursor at p5", code, body)
	}
}

func TestBadParameters(t *testing.T) {
	a, _ := newArchive(t, 1, "p")
	srv := serve(t, httpapi.Options{Archive: a})
	for name, params := range map[string]url.Values{
		"pageSize":       {"pageSize": {"ten"}},
		"negative size":  {"pageSize": {"-1"}},
		"startTime":      {"startTime": {"yesterday"}},
		"includeData":    {"includeData": {"maybe"}},
		"hash not hex":   {"hashes": {"zz"}},
		"short cursor":   {"cursor": {"0x0102"}},
		"unknown cursor": {"cursor": {strings.Repeat("ab", 32)}},
		"peerAddr":       {"peerAddr": {"/ip4/127.0.0.1/tcp/1"}},
	} {
		if code, body := get(t, srv, params); code != 400 || body == "" {
			t.Errorf("GET %s = %d %q, want 400 with a reason", name, code, body)
		}
	}
	if code, _ := get(t, serve(t, httpapi.Options{}), nil); code != http.StatusPreconditionFailed {
		t.Errorf("GET without archive or peerAddr = %d, want 412", code)
	}
}

func TestRemoteQuery(t *testing.T) {
	remote, hs := newArchive(t, 5, "r")
	hr, hl := newHost(t), newHost(t)
	srv, err := store.NewServer(hr, remote, store.ServerOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	local, _ := newArchive(t, 3, "l")
	api := serve(t, httpapi.Options{Archive: local, Client: &store.Client{Host: hl}})

	addr := hr.Addrs()[0].String() + "/p2p/" + hr.ID().String()
	code, body := get(t, api, url.Values{"peerAddr": {addr}, "includeData": {"1"}, "pageSize": {"500"}})
	r := decode(t, body)
	if code != 200 || r.StatusCode != 200 || len(r.Messages) != 5 || r.RequestID == "" || r.Messages[4].Message.Payload != "cjQ=" || r.Messages[4].MessageHash != "0x"+hex.EncodeToString(hs[4][:]) {
		t.Errorf("remote query = %d %s, want the 5 remote messages", code, body)
	}
	// The remote's error status comes back in the JSON.
	code, body = get(t, api, url.Values{"peerAddr": {addr}, "cursor": {strings.Repeat("cd", 32)}})
	if r := decode(t, body); code != 200 || r.StatusCode != 400 || !strings.Contains(r.StatusDesc, "cursor not found") {
		t.Errorf("remote query, unknown cursor = %d %s, want JSON with status 400", code, body)
	}
	// An unreachable peer: status 504 in the JSON, as nwaku.
	gone := newHost(t)
	goneAddr := gone.Addrs()[0].String() + "/p2p/" + gone.ID().String()
	gone.Close()
	code, body = get(t, api, url.Values{"peerAddr": {goneAddr}})
	if r := decode(t, body); code != 200 || r.StatusCode != 504 || r.StatusDesc != "PEER_DIAL_FAILURE: "+goneAddr {
		t.Errorf("unreachable peer = %d %s, want JSON with status 504", code, body)
	}
}
