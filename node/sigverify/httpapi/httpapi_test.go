package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/accel/sigbatch"
	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/sigverify"
	"github.com/cairn-node/cairn/node/sigverify/httpapi"
)

// post sends body to base+VerifyPath and returns the status and body.
func post(t *testing.T, base string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(base+sigverify.VerifyPath, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// mixedBatch returns 4 items of each scheme with item 2 of each bad, and
// the failed indices a verifier must report.
func mixedBatch(t *testing.T) ([]byte, string) {
	t.Helper()
	var items []sigbatch.Item
	for _, s := range sigbatch.Schemes {
		gen, err := sigbatch.Generate(s, 4, sigbatch.GenerateOptions{Bad: []int{2}})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, gen...)
	}
	return sigverify.Encode(items), `{"valid": 9, "failed": [2, 6, 10]}` + "\n"
}

// TestAgainstNode posts a mixed batch to a real node on loopback.
func TestAgainstNode(t *testing.T) {
	c := config.Default()
	c.DataDir = filepath.Join(t.TempDir(), "data")
	c.APIAddr = "127.0.0.1:0"
	c.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	n, err := node.New(c, node.WithLogger(slog.New(slog.NewTextHandler(t.Output(), nil))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	body, want := mixedBatch(t)
	if code, got := post(t, n.URL(), body); code != http.StatusOK || got != want {
		t.Errorf("POST %s = %d %s, want 200 %s", sigverify.VerifyPath, code, got, want)
	}
	if code, got := post(t, n.URL(), []byte(`[{"scheme": "rsa"}]`)); code != http.StatusBadRequest || !strings.Contains(got, "item 0") {
		t.Errorf("POST unknown scheme = %d %s, want 400 naming item 0", code, got)
	}
}

// TestErrors checks the status codes and messages of bad requests on a
// handler with small limits.
func TestErrors(t *testing.T) {
	mux := http.NewServeMux()
	httpapi.New(httpapi.Options{MaxBodyBytes: 1024, MaxItems: 2}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	item := `{"scheme": "ed25519", "public_key": "", "message": "", "signature": ""}`
	for _, c := range []struct {
		name string
		body string
		code int
		want string
	}{
		{"empty list", `[]`, http.StatusOK, `{"valid": 0, "failed": []}`},
		{"malformed keys fail", `[` + item + `]`, http.StatusOK, `{"valid": 0, "failed": [0]}`},
		{"not JSON", `hello`, http.StatusBadRequest, "want a JSON list"},
		{"bad hex", `[` + item + `, {"scheme": "ed25519", "public_key": "x", "message": "", "signature": ""}]`, http.StatusBadRequest, "item 1: public_key: not hex"},
		{"too many items", `[` + item + `,` + item + `,` + item + `]`, http.StatusBadRequest, "more than 2 items"},
		{"too large", `[` + strings.Repeat(" ", 2048) + `]`, http.StatusRequestEntityTooLarge, "over 1024 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, got := post(t, srv.URL, []byte(c.body))
			if code != c.code || !strings.Contains(got, c.want) {
				t.Errorf("POST %.40s = %d %s, want %d containing %q", c.body, code, got, c.code, c.want)
			}
			if code != http.StatusOK {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(got), &e); err != nil || e.Error == "" {
					t.Errorf("error body %q is not {\"error\": …}", got)
				}
			}
		})
	}
	resp, err := http.Get(srv.URL + sigverify.VerifyPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s = %d, want 405", sigverify.VerifyPath, resp.StatusCode)
	}
}
