package node_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func postJSON(t *testing.T, u string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	resp, err := http.Post(u, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "OK" {
		t.Fatalf("POST %s = %d %s", u, resp.StatusCode, body)
	}
}

// TestRelayREST: three nodes in a line (A–B–C) relay a Waku message
// published on A through nwaku's REST API; C receives it through its own
// auto-sharding subscription.
func TestRelayREST(t *testing.T) {
	a, b, c := startNode(t), startNode(t), startNode(t)
	connect(t, b, a)
	connect(t, c, b)
	const ct = "/cairn/1/chat/proto"
	postJSON(t, c.URL()+"/relay/v1/auto/subscriptions", []string{ct})

	deadline := time.Now().Add(20 * time.Second)
	for {
		// Publish until C's mesh carries it (meshes form on the 1 s heartbeat).
		postJSON(t, a.URL()+"/relay/v1/auto/messages", map[string]any{"payload": []byte("hello from A"), "contentTopic": ct})
		resp, err := http.Get(c.URL() + "/relay/v1/auto/messages/" + url.PathEscape(ct))
		if err != nil {
			t.Fatal(err)
		}
		var msgs []struct {
			Payload      []byte `json:"payload"`
			ContentTopic string `json:"contentTopic"`
			Timestamp    int64  `json:"timestamp"`
		}
		json.NewDecoder(resp.Body).Decode(&msgs)
		resp.Body.Close()
		if len(msgs) > 0 {
			m := msgs[0]
			if string(m.Payload) != "hello from A" || m.ContentTopic != ct || m.Timestamp == 0 {
				t.Fatalf("C got %+v", m)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("C received nothing within 20s")
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func TestRelayRESTErrors(t *testing.T) {
	a := startNode(t)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/relay/v1/auto/subscriptions", `"not a list"`},
		{"POST", "/relay/v1/auto/subscriptions", `["no-slashes"]`},
		{"POST", "/relay/v1/auto/messages", `{"payload": "aGk="}`},
		{"POST", "/relay/v1/messages/" + url.PathEscape("/waku/2/rs/x/0"), `{"payload": "aGk=", "contentTopic": "/a/1/b/c"}`},
		{"GET", "/relay/v1/auto/messages/" + url.PathEscape("/never/1/sub/proto"), ``},
	} {
		req, _ := http.NewRequest(c.method, a.URL()+c.path, strings.NewReader(c.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s %s %s = %d, want a 4xx", c.method, c.path, c.body, resp.StatusCode)
		}
	}
}
