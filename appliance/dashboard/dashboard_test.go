package dashboard_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/dashboard"
	"github.com/cairn-node/cairn/appliance/dashboard/auth"
	"github.com/cairn-node/cairn/appliance/dashboard/logring"
	"github.com/cairn-node/cairn/appliance/dashboard/sysstat"
	"github.com/cairn-node/cairn/appliance/supervise"
	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/buildinfo"
	"github.com/cairn-node/cairn/node/config"
)

const password = "a device password"

// testNode is a started node with the dashboard mounted.
type testNode struct {
	n    *node.Node
	url  string
	auth *auth.Auth
	logs *logring.Handler
	log  *slog.Logger
}

// startNode starts a node on loopback with a fresh data dir and the
// dashboard, as cairn run mounts it; extra options follow.
func startNode(t *testing.T, extra func(a *auth.Auth) []node.Option) *testNode {
	t.Helper()
	return startNodeConfig(t, nil, extra)
}

// startNodeConfig is startNode with mutate applied to the node's config.
func startNodeConfig(t *testing.T, mutate func(*config.Config), extra func(a *auth.Auth) []node.Option) *testNode {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.APIAddr = "127.0.0.1:0"
	cfg.Listen = []string{"/ip4/127.0.0.1/tcp/0"}
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := auth.New(auth.Options{Dir: filepath.Join(cfg.DataDir, "dashboard")})
	if err != nil {
		t.Fatal(err)
	}
	logs := logring.New(supervise.NewRing(0), slog.LevelInfo)
	log := slog.New(logring.Tee(slog.NewTextHandler(t.Output(), nil), logs))
	opts := dashboard.NodeOptions(dashboard.Options{
		Auth: a, Logs: logs, Logger: log,
		System:  sysstat.New(sysstat.Options{DataDir: cfg.DataDir}),
		Actions: dashboard.MachineActions(),
	})
	if extra != nil {
		opts = append(opts, extra(a)...)
	}
	n, err := node.New(cfg, append(opts, node.WithLogger(log))...)
	if err != nil {
		t.Fatalf("node.New: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	if err := n.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return &testNode{n: n, url: n.URL(), auth: a, logs: logs, log: log}
}

// client is an HTTP client with its own cookie jar.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: &http.Transport{}}
	t.Cleanup(c.CloseIdleConnections)
	return &client{t: t, base: base, c: c}
}

// do sends a request with a JSON body (nil: none) and headers, and
// returns the response with its body read.
func (c *client) do(method, path string, body any, headers ...string) (*http.Response, []byte) {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// want fails the test unless the request answers code, and decodes a
// JSON body into v when v is not nil.
func (c *client) want(code int, v any, method, path string, body any, headers ...string) *http.Response {
	c.t.Helper()
	resp, out := c.do(method, path, body, headers...)
	if resp.StatusCode != code {
		c.t.Fatalf("%s %s = %s, want %d; body: %s", method, path, resp.Status, code, out)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, out, err)
		}
	}
	return resp
}

const api = dashboard.Prefix + "api/"

func TestStatusFromRealNode(t *testing.T) {
	tn := startNode(t, nil)
	c := newClient(t, tn.url)
	resp := c.want(http.StatusNoContent, nil, "POST", api+"setup", map[string]string{"password": password})
	var sc *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == auth.CookieName {
			sc = k
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Secure || sc.Path != "/" {
		t.Errorf("setup cookie = %+v, want HttpOnly, SameSite=Strict, Path=/, not Secure over plain HTTP", sc)
	}

	// Upload a dataset through the node's own API; the dashboard sees it.
	data := make([]byte, 160000) // random: no block deduplicates
	rand.Read(data)
	c.want(http.StatusOK, nil, "POST", "/api/storage/v1/data", data, "Content-Type", "application/octet-stream")

	var st dashboard.Status
	c.want(http.StatusOK, &st, "GET", api+"status", nil)
	n := st.Node
	if n.Version != buildinfo.Read().Version || n.Version == "" {
		t.Errorf("status version = %q, want buildinfo's %q", n.Version, buildinfo.Read().Version)
	}
	if n.UptimeS <= 0 || n.PeerID == "" || n.DataDir == "" || st.NodeError != "" {
		t.Errorf("status node = %+v (error %q); want uptime, peer ID and data dir", n, st.NodeError)
	}
	if s := n.Storage; s.Datasets != 1 || s.DatasetBytes < uint64(len(data)) || s.UsedBytes < uint64(len(data)) || s.Blocks < 3 || s.Uploads != 1 || s.QuotaBytes == 0 {
		t.Errorf("status storage = %+v after one %d-byte upload; want 1 dataset of at least that size", s, len(data))
	}
	goBackend := false
	for _, b := range n.Accel {
		if b.Name == "go" && b.Available && len(b.Kernels) > 0 {
			goBackend = true
		}
	}
	if !goBackend {
		t.Errorf("status accel = %+v, want the go backend available with kernels", n.Accel)
	}
	if s := st.System; s.UptimeS <= 0 || s.MemTotalBytes == 0 || s.Disk.TotalBytes == 0 {
		t.Errorf("status system = %+v; want uptime, memory and disk", s)
	}
	if st.Farm != nil || st.FarmError != "" {
		t.Errorf("status farm = %s, %q; want none on a node without a farm", st.Farm, st.FarmError)
	}
	if a := st.Actions; a.Reboot || a.PowerOff || a.Update || a.Unavailable == "" || a.UpdateUnavailable != dashboard.UpdateNeedsImage {
		t.Errorf("status actions = %+v; want none available on a test host, with reasons", a)
	}
}

func TestAuthFlow(t *testing.T) {
	tn := startNode(t, nil)
	c := newClient(t, tn.url)
	var s dashboard.Session
	c.want(http.StatusOK, &s, "GET", api+"session", nil)
	if s.PasswordSet || s.LoggedIn {
		t.Fatalf("first session = %+v, want no password, not logged in", s)
	}
	_, body := c.do("GET", api+"status", nil)
	if !strings.Contains(string(body), "no device password") {
		t.Errorf("status before setup = %s, want a hint to set the password", body)
	}
	c.want(http.StatusBadRequest, nil, "POST", api+"setup", map[string]string{"password": "short"})
	c.want(http.StatusNoContent, nil, "POST", api+"setup", map[string]string{"password": password})

	// Another browser: setup is done, login is needed.
	other := newClient(t, tn.url)
	other.want(http.StatusConflict, nil, "POST", api+"setup", map[string]string{"password": "take over the box"})
	other.want(http.StatusOK, &s, "GET", api+"session", nil)
	if !s.PasswordSet || s.LoggedIn {
		t.Errorf("session of a new browser = %+v, want password set, not logged in", s)
	}
	other.want(http.StatusUnauthorized, nil, "GET", api+"status", nil)
	other.want(http.StatusUnauthorized, nil, "POST", api+"login", map[string]string{"password": "wrong password"})
	other.want(http.StatusNoContent, nil, "POST", api+"login", map[string]string{"password": password})
	other.want(http.StatusOK, nil, "GET", api+"status", nil)

	// Tokens: made with a session, shown once, used as bearer.
	var tc dashboard.TokenCreated
	c.want(http.StatusCreated, &tc, "POST", api+"tokens", map[string]string{"name": "backup"})
	bearer := newClient(t, tn.url)
	bh := []string{"Authorization", "Bearer " + tc.Token}
	bearer.want(http.StatusOK, nil, "GET", api+"status", nil, bh...)
	bearer.want(http.StatusOK, nil, "GET", api+"logs", nil, bh...)
	bearer.want(http.StatusForbidden, nil, "POST", api+"tokens", map[string]string{"name": "escalate"}, bh...)
	bearer.want(http.StatusForbidden, nil, "GET", api+"tokens", nil, bh...)
	var list []auth.TokenInfo
	c.want(http.StatusOK, &list, "GET", api+"tokens", nil)
	if len(list) != 1 || list[0].ID != tc.Info.ID || strings.Contains(mustJSON(list), tc.Token) {
		t.Errorf("token list = %+v, want the one token without its secret", list)
	}
	c.want(http.StatusNoContent, nil, "DELETE", api+"tokens/"+tc.Info.ID, nil)
	c.want(http.StatusNotFound, nil, "DELETE", api+"tokens/"+tc.Info.ID, nil)
	bearer.want(http.StatusUnauthorized, nil, "GET", api+"status", nil, bh...)

	// CSRF: a cross-origin page cannot use the cookie to change state.
	evil := []string{"Origin", "http://evil.example"}
	c.want(http.StatusForbidden, nil, "POST", api+"tokens", map[string]string{"name": "csrf"}, evil...)
	c.want(http.StatusForbidden, nil, "POST", api+"logout", nil, evil...)
	c.want(http.StatusForbidden, nil, "POST", api+"login", map[string]string{"password": password}, evil...)
	c.want(http.StatusForbidden, nil, "POST", api+"actions/reboot", nil, "Sec-Fetch-Site", "cross-site")
	c.want(http.StatusCreated, nil, "POST", api+"tokens", map[string]string{"name": "same origin"}, "Origin", tn.url)

	// Logout ends the session.
	c.want(http.StatusNoContent, nil, "POST", api+"logout", nil, "Origin", tn.url)
	c.want(http.StatusUnauthorized, nil, "GET", api+"status", nil)

	// Rate limit: after the allowed failures, even the right password waits.
	for range auth.DefaultMaxFailures { // the login above cleared the earlier failure
		other.want(http.StatusUnauthorized, nil, "POST", api+"login", map[string]string{"password": "still wrong"})
	}
	resp := other.want(http.StatusTooManyRequests, nil, "POST", api+"login", map[string]string{"password": password})
	if resp.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// loggedIn returns a client with a session on tn.
func loggedIn(t *testing.T, tn *testNode) *client {
	t.Helper()
	c := newClient(t, tn.url)
	c.want(http.StatusNoContent, nil, "POST", api+"setup", map[string]string{"password": password})
	return c
}

func TestLogs(t *testing.T) {
	tn := startNode(t, nil)
	c := loggedIn(t, tn)
	var l dashboard.Logs
	c.want(http.StatusOK, &l, "GET", api+"logs?since=0", nil)
	started := false
	for _, e := range l.Entries {
		if e.Msg == "started" && strings.Contains(e.Attrs, "subsys=node") {
			started = true
		}
	}
	if !l.Enabled || !started || l.Last == 0 || l.Entries[len(l.Entries)-1].Seq != l.Last {
		t.Fatalf("logs = %+v, want the node's \"started\" record and Last = newest seq", l)
	}
	tn.log.Warn("disk nearly full", "free", "1%")
	var next dashboard.Logs
	c.want(http.StatusOK, &next, "GET", api+"logs?since="+itoa(l.Last), nil)
	found := false
	for _, e := range next.Entries {
		if e.Seq <= l.Last {
			t.Errorf("logs since %d returned entry %d", l.Last, e.Seq)
		}
		if e.Msg == "disk nearly full" && e.Level == "WARN" && e.Attrs == "free=1%" {
			found = true
		}
	}
	if !found {
		t.Errorf("logs since %d = %+v, want the new warning", l.Last, next.Entries)
	}
	c.want(http.StatusOK, &next, "GET", api+"logs?since=0&limit=1", nil)
	if len(next.Entries) != 1 || next.Entries[0].Seq != next.Last {
		t.Errorf("logs limit=1 = %+v, want the newest entry alone", next.Entries)
	}
	c.want(http.StatusBadRequest, nil, "GET", api+"logs?since=x", nil)
}

func itoa(n uint64) string { return strings.TrimSpace(mustJSON(n)) }

func TestActionsUnavailableOnHost(t *testing.T) {
	tn := startNode(t, nil)
	c := loggedIn(t, tn)
	for _, a := range []string{"reboot", "poweroff"} {
		_, body := c.do("POST", api+"actions/"+a, nil)
		if !strings.Contains(string(body), "not running as the Cairn appliance") {
			t.Errorf("POST actions/%s on a host = %s, want it unavailable with the reason", a, body)
		}
	}
	resp, body := c.do("POST", api+"actions/update", []byte("image"))
	if resp.StatusCode != http.StatusNotImplemented || !strings.Contains(string(body), "A/B boot slots") {
		t.Errorf("POST actions/update = %s %s, want 501 saying updates need a Cairn image", resp.Status, body)
	}
}

// TestFarmPanel reads a real embedded farm's status through the
// dashboard of a node whose API is closed (--api-auth): the dashboard
// reads it in process, so it needs no API token of its own.
func TestFarmPanel(t *testing.T) {
	farmURL := startFarm(t)
	tn := startNodeConfig(t, func(c *config.Config) { c.Farm.URL = farmURL }, func(a *auth.Auth) []node.Option {
		return []node.Option{node.WithAPIMiddleware(dashboard.ProtectAPI(a))}
	})
	c := loggedIn(t, tn)
	var st struct {
		Farm struct {
			Workers []struct {
				ID string `json:"id"`
			} `json:"workers"`
		} `json:"farm"`
		FarmError string `json:"farm_error"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.want(http.StatusOK, &st, "GET", api+"status", nil)
		if len(st.Farm.Workers) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond) // the worker advertises itself after it starts
	}
	if st.FarmError != "" || len(st.Farm.Workers) != 1 || st.Farm.Workers[0].ID != "browser-worker" {
		t.Errorf("status farm = %+v, error %q; want the embedded farm's worker browser-worker", st.Farm, st.FarmError)
	}
}

func TestPageAndAssets(t *testing.T) {
	tn := startNode(t, nil)
	c := newClient(t, tn.url)
	resp, body := c.do("GET", "/", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="view-setup"`) {
		t.Fatalf("GET / = %s, want the dashboard page", resp.Status)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("GET / Content-Security-Policy = %q, want self-only and no framing", csp)
	}
	for _, p := range []string{"app.js", "style.css"} {
		resp, body := c.do("GET", dashboard.Prefix+"static/"+p, nil)
		if resp.StatusCode != http.StatusOK || len(body) < 500 {
			t.Errorf("GET static/%s = %s, %d bytes", p, resp.Status, len(body))
		}
	}
	c.want(http.StatusNotFound, nil, "GET", api+"nothing", nil)
	// The node's own routes are untouched by the dashboard.
	c.want(http.StatusOK, nil, "GET", "/healthz", nil)
	c.want(http.StatusOK, nil, "GET", "/api/cairn/v1/accel", nil)
}

func TestProtectAPI(t *testing.T) {
	tn := startNode(t, func(a *auth.Auth) []node.Option {
		return []node.Option{node.WithAPIMiddleware(dashboard.ProtectAPI(a))}
	})
	c := newClient(t, tn.url)
	_, body := c.do("GET", "/api/cairn/v1/accel", nil)
	if !strings.Contains(string(body), "open the dashboard") {
		t.Errorf("protected route before setup = %s, want a hint to open the dashboard", body)
	}
	c.want(http.StatusOK, nil, "GET", "/healthz", nil)
	c.want(http.StatusOK, nil, "GET", "/", nil)
	c.want(http.StatusNoContent, nil, "POST", api+"setup", map[string]string{"password": password})
	c.want(http.StatusOK, nil, "GET", "/api/cairn/v1/accel", nil) // the session works
	var tc dashboard.TokenCreated
	c.want(http.StatusCreated, &tc, "POST", api+"tokens", map[string]string{"name": "cli"})
	script := newClient(t, tn.url)
	script.want(http.StatusUnauthorized, nil, "GET", "/metrics", nil)
	script.want(http.StatusOK, nil, "GET", "/metrics", nil, "Authorization", "Bearer "+tc.Token)
	c.want(http.StatusForbidden, nil, "POST", "/api/storage/v1/data", []byte("x"), "Origin", "http://evil.example")
}
