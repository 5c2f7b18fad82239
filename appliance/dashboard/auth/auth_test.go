package auth_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/dashboard/auth"
)

const pw = "correct horse battery"

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newAuth(t *testing.T, dir string, c *clock) *auth.Auth {
	t.Helper()
	o := auth.Options{Dir: dir}
	if c != nil {
		o.Now = c.now
	}
	a, err := auth.New(o)
	if err != nil {
		t.Fatalf("auth.New(%s): %v", dir, err)
	}
	return a
}

func TestFirstVisitSetup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dashboard")
	a := newAuth(t, dir, nil)
	if a.PasswordSet() {
		t.Fatal("PasswordSet() = true on a fresh directory, want false")
	}
	if _, err := a.Login("c", pw); !errors.Is(err, auth.ErrNoPassword) {
		t.Errorf("Login before Setup = %v, want ErrNoPassword", err)
	}
	if _, err := a.Setup("short"); !errors.Is(err, auth.ErrWeakPassword) {
		t.Errorf("Setup(short) = %v, want ErrWeakPassword", err)
	}
	sid, err := a.Setup(pw)
	if err != nil || sid == "" {
		t.Fatalf("Setup = %q, %v; want a session", sid, err)
	}
	if !a.CheckSession(sid) {
		t.Errorf("CheckSession(Setup's session) = false, want true")
	}
	if _, err := a.Setup("another password"); !errors.Is(err, auth.ErrPasswordSet) {
		t.Errorf("second Setup = %v, want ErrPasswordSet", err)
	}

	// The file is private, holds no plaintext, and a new Auth reads it.
	path := filepath.Join(dir, auth.FileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %v, want 0600", path, fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), pw) || !strings.Contains(string(b), "argon2id") {
		t.Errorf("%s = %s; want an argon2id hash and no plaintext", path, b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	b2 := newAuth(t, dir, nil)
	if !b2.PasswordSet() {
		t.Fatal("PasswordSet() after reload = false")
	}
	if b2.CheckSession(sid) {
		t.Error("a session survived a reload; sessions live in memory")
	}
	if _, err := b2.Login("c", pw); err != nil {
		t.Errorf("Login after reload = %v", err)
	}
}

func TestLoginRateLimit(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a := newAuth(t, t.TempDir(), c)
	if _, err := a.Setup(pw); err != nil {
		t.Fatal(err)
	}
	for i := range auth.DefaultMaxFailures {
		if _, err := a.Login("10.0.0.1", "wrong password"); !errors.Is(err, auth.ErrWrongPassword) {
			t.Fatalf("wrong Login #%d = %v, want ErrWrongPassword", i+1, err)
		}
	}
	_, err := a.Login("10.0.0.1", pw)
	var rl *auth.RateLimitError
	if !errors.As(err, &rl) || !errors.Is(err, auth.ErrRateLimited) || rl.RetryAfter <= 0 || rl.RetryAfter > auth.DefaultFailureWindow {
		t.Fatalf("Login after %d failures = %v, want a RateLimitError within the window", auth.DefaultMaxFailures, err)
	}
	// Another client is not limited.
	if _, err := a.Login("10.0.0.2", pw); err != nil {
		t.Errorf("Login from another client = %v, want success", err)
	}
	c.add(auth.DefaultFailureWindow)
	if _, err := a.Login("10.0.0.1", pw); err != nil {
		t.Errorf("Login after the window = %v, want success", err)
	}
	// Success clears the count.
	for range auth.DefaultMaxFailures - 1 {
		a.Login("10.0.0.1", "wrong password")
	}
	if _, err := a.Login("10.0.0.1", pw); err != nil {
		t.Errorf("Login below the limit = %v, want success", err)
	}
}

func TestSessions(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a := newAuth(t, t.TempDir(), c)
	sid, err := a.Setup(pw)
	if err != nil {
		t.Fatal(err)
	}
	c.add(auth.DefaultSessionTTL - time.Minute)
	if !a.CheckSession(sid) {
		t.Fatal("session expired before its TTL")
	}
	c.add(auth.DefaultSessionTTL - time.Minute) // extended by the check above
	if !a.CheckSession(sid) {
		t.Fatal("a used session was not extended")
	}
	c.add(auth.DefaultSessionTTL + time.Second)
	if a.CheckSession(sid) {
		t.Error("CheckSession after the idle TTL = true, want false")
	}
	sid, _ = a.Login("c", pw)
	a.Logout(sid)
	if a.CheckSession(sid) {
		t.Error("CheckSession after Logout = true")
	}
	if a.CheckSession("") || a.CheckSession("forged") {
		t.Error("CheckSession accepted an empty or forged ID")
	}
}

func TestChangePassword(t *testing.T) {
	a := newAuth(t, t.TempDir(), nil)
	sid, _ := a.Setup(pw)
	if err := a.ChangePassword("c", "wrong password", "new password 1"); !errors.Is(err, auth.ErrWrongPassword) {
		t.Errorf("ChangePassword with a wrong old one = %v, want ErrWrongPassword", err)
	}
	if err := a.ChangePassword("c", pw, "new password 1"); err != nil {
		t.Fatalf("ChangePassword = %v", err)
	}
	if a.CheckSession(sid) {
		t.Error("a session survived a password change")
	}
	if _, err := a.Login("c", pw); !errors.Is(err, auth.ErrWrongPassword) {
		t.Errorf("Login with the old password = %v, want ErrWrongPassword", err)
	}
	if _, err := a.Login("c", "new password 1"); err != nil {
		t.Errorf("Login with the new password = %v", err)
	}
}

func TestTokens(t *testing.T) {
	dir := t.TempDir()
	a := newAuth(t, dir, nil)
	if _, _, err := a.CreateToken("  "); err == nil {
		t.Error("CreateToken with a blank name succeeded")
	}
	tok, info, err := a.CreateToken("backup script")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, auth.TokenPrefix) || info.ID == "" || info.Name != "backup script" {
		t.Errorf("CreateToken = %q, %+v; want a %s token with an ID", tok, info, auth.TokenPrefix)
	}
	b, _ := os.ReadFile(filepath.Join(dir, auth.FileName))
	if strings.Contains(string(b), tok) || strings.Contains(string(b), strings.TrimPrefix(tok, auth.TokenPrefix)) {
		t.Errorf("the token is stored in clear: %s", b)
	}

	// Bearer tokens authenticate requests, after a reload too.
	a = newAuth(t, dir, nil)
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if p, ok := a.Check(r); !ok || p.Session || p.TokenID != info.ID {
		t.Errorf("Check(bearer token) = %+v, %v; want token %s", p, ok, info.ID)
	}
	if got := a.Tokens(); len(got) != 1 || got[0].ID != info.ID || got[0].LastUsed.IsZero() {
		t.Errorf("Tokens() = %+v, want the one token, used", got)
	}
	r.Header.Set("Authorization", "Bearer "+tok+"x")
	if _, ok := a.Check(r); ok {
		t.Error("Check(altered token) = ok")
	}
	r.Header.Set("Authorization", "Basic "+tok)
	if _, ok := a.Check(r); ok {
		t.Error("Check(Basic scheme) = ok")
	}

	if err := a.RevokeToken(info.ID); err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+tok)
	if _, ok := a.Check(r); ok {
		t.Error("Check(revoked token) = ok")
	}
	if err := a.RevokeToken(info.ID); !errors.Is(err, auth.ErrNoToken) {
		t.Errorf("RevokeToken twice = %v, want ErrNoToken", err)
	}
	if got := newAuth(t, dir, nil).Tokens(); len(got) != 0 {
		t.Errorf("Tokens() after revoke and reload = %+v, want none", got)
	}
}

func TestCheckCookie(t *testing.T) {
	a := newAuth(t, t.TempDir(), nil)
	sid, _ := a.Setup(pw)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: auth.CookieName, Value: sid})
	if p, ok := a.Check(r); !ok || !p.Session {
		t.Errorf("Check(session cookie) = %+v, %v; want a session", p, ok)
	}
	r = httptest.NewRequest("GET", "/", nil)
	if _, ok := a.Check(r); ok {
		t.Error("Check(no credentials) = ok")
	}
}

func TestCorruptFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, auth.FileName), []byte("{not json"), 0o600)
	if _, err := auth.New(auth.Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "delete it") {
		t.Errorf("New on a corrupt file = %v, want an error saying how to recover", err)
	}
}

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"script without headers", nil, true},
		{"same origin", map[string]string{"Origin": "http://cairn.local:8080"}, true},
		{"same origin, other case", map[string]string{"Origin": "http://CAIRN.local:8080"}, true},
		{"other host", map[string]string{"Origin": "http://evil.example"}, false},
		{"other port", map[string]string{"Origin": "http://cairn.local:9999"}, false},
		{"null origin", map[string]string{"Origin": "null"}, false},
		{"referer fallback, same", map[string]string{"Referer": "http://cairn.local:8080/"}, true},
		{"referer fallback, other", map[string]string{"Referer": "http://evil.example/page"}, false},
		{"fetch metadata cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://cairn.local:8080"}, false},
		{"fetch metadata same-origin", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://cairn.local:8080"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://cairn.local:8080/dashboard/api/logout", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if got := auth.SameOrigin(r); got != tc.want {
				t.Errorf("SameOrigin(%v) = %v, want %v", tc.headers, got, tc.want)
			}
		})
	}
}
