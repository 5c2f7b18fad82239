package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cairn-node/cairn/node/atomicfile"
)

// FileName is the file in Options.Dir that keeps the password hash and
// the token hashes.
const FileName = "auth.json"

// CookieName is the session cookie.
const CookieName = "cairn_session"

// TokenPrefix starts every API token, so that a leaked one is easy to
// recognise in logs and by secret scanners.
const TokenPrefix = "cairn_"

// Defaults of Options.
const (
	// DefaultSessionTTL is how long a session lasts after its last use.
	DefaultSessionTTL = 12 * time.Hour
	// DefaultMaxFailures is how many wrong passwords a client may send in
	// DefaultFailureWindow before Login refuses it.
	DefaultMaxFailures = 5
	// DefaultFailureWindow is the rate-limit window of Login.
	DefaultFailureWindow = time.Minute
	// MinPasswordLen is the shortest password Setup accepts, in
	// characters.
	MinPasswordLen = 8
	// maxPasswordLen bounds the input to argon2.
	maxPasswordLen = 1024
	// maxSessions bounds memory: the oldest session is dropped beyond it.
	maxSessions = 256
	// maxClients is how many clients with recent failures Login tracks
	// before it prunes the old ones.
	maxClients = 1024
	// maxTokens bounds the token list.
	maxTokens = 100
)

// Sentinel errors; test them with errors.Is.
var (
	// ErrNoPassword is returned by Login before Setup.
	ErrNoPassword = errors.New("auth: no device password set yet; open the dashboard to set one")
	// ErrPasswordSet is returned by Setup when a password exists.
	ErrPasswordSet = errors.New("auth: the device password is already set; log in, or delete auth.json on the data partition to reset it")
	// ErrWrongPassword is returned by Login and ChangePassword.
	ErrWrongPassword = errors.New("auth: wrong password")
	// ErrRateLimited is wrapped by a *RateLimitError.
	ErrRateLimited = errors.New("auth: too many wrong passwords")
	// ErrWeakPassword is returned for a password shorter than
	// MinPasswordLen.
	ErrWeakPassword = fmt.Errorf("auth: the password needs at least %d characters", MinPasswordLen)
	// ErrNoToken is returned by RevokeToken for an unknown ID.
	ErrNoToken = errors.New("auth: no such token")
)

// RateLimitError says how long a client must wait before it may try again.
type RateLimitError struct{ RetryAfter time.Duration }

// Error says how long to wait.
func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v; try again in %s", ErrRateLimited, e.RetryAfter.Round(time.Second))
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// Options configure New. Zero fields take their defaults.
type Options struct {
	// Dir keeps FileName; it is created (mode 0700) if missing.
	// Required.
	Dir string
	// SessionTTL is the idle lifetime of a session. Default:
	// DefaultSessionTTL.
	SessionTTL time.Duration
	// MaxFailures and FailureWindow rate-limit Login per client.
	// Defaults: DefaultMaxFailures, DefaultFailureWindow.
	MaxFailures   int
	FailureWindow time.Duration
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// TokenInfo describes an API token; the token itself is never kept.
type TokenInfo struct {
	// ID names the token in lists and in RevokeToken.
	ID string `json:"id"`
	// Name is what the user called it.
	Name string `json:"name"`
	// Created is when it was made.
	Created time.Time `json:"created"`
	// LastUsed is when it last authenticated a request since the node
	// started; zero if not.
	LastUsed time.Time `json:"last_used,omitzero"`
}

// Principal is who made a request.
type Principal struct {
	// Session is true for a browser session, false for an API token.
	Session bool
	// TokenID is the token's ID when Session is false.
	TokenID string
}

// file is the JSON document in FileName.
type file struct {
	Password *passwordHash `json:"password,omitempty"`
	Tokens   []tokenRecord `json:"tokens"`
}

type tokenRecord struct {
	TokenInfo
	// SHA256 is the hex SHA-256 of the token.
	SHA256 string `json:"sha256"`
}

// Auth holds the device password, the API tokens and the sessions. Its
// methods are safe for concurrent use.
type Auth struct {
	opts Options
	path string
	mu   struct {
		sync.Mutex
		f        file
		sessions map[string]time.Time // session ID -> expiry
		failures map[string][]time.Time
	}
}

// New loads Options.Dir/FileName, or starts with no password when the
// file does not exist.
func New(opts Options) (*Auth, error) {
	if opts.Dir == "" {
		return nil, errors.New("auth: Options.Dir is required")
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = DefaultSessionTTL
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = DefaultMaxFailures
	}
	if opts.FailureWindow <= 0 {
		opts.FailureWindow = DefaultFailureWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &Auth{opts: opts, path: filepath.Join(opts.Dir, FileName)}
	a.mu.sessions = map[string]time.Time{}
	a.mu.failures = map[string][]time.Time{}
	b, err := os.ReadFile(a.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("auth: read %s: %w", a.path, err)
	default:
		if err := json.Unmarshal(b, &a.mu.f); err != nil {
			return nil, fmt.Errorf("auth: %s: %w; restore it, or delete it to set a new password", a.path, err)
		}
	}
	return a, nil
}

// PasswordSet reports whether the device password exists.
func (a *Auth) PasswordSet() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.f.Password != nil
}

// Setup sets the first device password and returns a new session ID. It
// returns ErrPasswordSet when one exists and ErrWeakPassword for a short
// one.
func (a *Auth) Setup(password string) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	h := hashPassword(password) // slow: outside the lock
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mu.f.Password != nil {
		return "", ErrPasswordSet
	}
	a.mu.f.Password = &h
	if err := a.saveLocked(); err != nil {
		a.mu.f.Password = nil
		return "", err
	}
	return a.newSessionLocked(), nil
}

// ChangePassword replaces the password after checking the old one, and
// ends every session. Tokens stay valid.
func (a *Auth) ChangePassword(client, old, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	if _, err := a.Login(client, old); err != nil {
		return err
	}
	h := hashPassword(password)
	a.mu.Lock()
	defer a.mu.Unlock()
	prev := a.mu.f.Password
	a.mu.f.Password = &h
	if err := a.saveLocked(); err != nil {
		a.mu.f.Password = prev
		return err
	}
	clear(a.mu.sessions)
	return nil
}

func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return ErrWeakPassword
	}
	if len(pw) > maxPasswordLen {
		return fmt.Errorf("auth: the password is longer than %d bytes", maxPasswordLen)
	}
	return nil
}

// Login checks password for client (an address: the rate limit is per
// client) and returns a new session ID. It returns ErrNoPassword before
// Setup, ErrWrongPassword, or a *RateLimitError once client failed
// MaxFailures times within FailureWindow.
func (a *Auth) Login(client, password string) (string, error) {
	a.mu.Lock()
	h := a.mu.f.Password
	if h == nil {
		a.mu.Unlock()
		return "", ErrNoPassword
	}
	if wait := a.retryAfterLocked(client); wait > 0 {
		a.mu.Unlock()
		return "", &RateLimitError{RetryAfter: wait}
	}
	if len(a.mu.failures) > maxClients {
		for c := range a.mu.failures {
			a.retryAfterLocked(c) // drops clients with no recent failure
		}
	}
	// Count the attempt as a failure before checking it, so that
	// concurrent guesses cannot slip past the limit; success clears it.
	a.mu.failures[client] = append(a.mu.failures[client], a.opts.Now())
	a.mu.Unlock()
	ok := len(password) <= maxPasswordLen && h.verify(password) // slow: outside the lock
	a.mu.Lock()
	defer a.mu.Unlock()
	if !ok {
		return "", ErrWrongPassword
	}
	delete(a.mu.failures, client)
	return a.newSessionLocked(), nil
}

// retryAfterLocked prunes client's failures older than the window and
// returns how long it must wait, 0 if it may try now.
func (a *Auth) retryAfterLocked(client string) time.Duration {
	now := a.opts.Now()
	fs := a.mu.failures[client]
	for len(fs) > 0 && now.Sub(fs[0]) >= a.opts.FailureWindow {
		fs = fs[1:]
	}
	if len(fs) == 0 {
		delete(a.mu.failures, client)
		return 0
	}
	a.mu.failures[client] = fs
	if len(fs) < a.opts.MaxFailures {
		return 0
	}
	return fs[len(fs)-a.opts.MaxFailures].Add(a.opts.FailureWindow).Sub(now)
}

func (a *Auth) newSessionLocked() string {
	now := a.opts.Now()
	for id, exp := range a.mu.sessions {
		if now.After(exp) {
			delete(a.mu.sessions, id)
		}
	}
	if len(a.mu.sessions) >= maxSessions {
		var oldest string
		for id, exp := range a.mu.sessions {
			if oldest == "" || exp.Before(a.mu.sessions[oldest]) {
				oldest = id
			}
		}
		delete(a.mu.sessions, oldest)
	}
	id := randomString()
	a.mu.sessions[sessionKey(id)] = now.Add(a.opts.SessionTTL)
	return id
}

// sessionKey is how a session is keyed in memory: its SHA-256, so that
// the map lookup does not compare the secret itself byte by byte.
func sessionKey(id string) string {
	s := sha256.Sum256([]byte(id))
	return hex.EncodeToString(s[:])
}

// Logout ends session id; an unknown one is ignored.
func (a *Auth) Logout(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.mu.sessions, sessionKey(id))
}

// CheckSession reports whether id is a live session, and extends it.
func (a *Auth) CheckSession(id string) bool {
	if id == "" {
		return false
	}
	k := sessionKey(id)
	a.mu.Lock()
	defer a.mu.Unlock()
	exp, ok := a.mu.sessions[k]
	now := a.opts.Now()
	if !ok || now.After(exp) {
		delete(a.mu.sessions, k)
		return false
	}
	a.mu.sessions[k] = now.Add(a.opts.SessionTTL)
	return true
}

// CreateToken makes an API token named name and returns it, the only
// time it is shown, with its info.
func (a *Auth) CreateToken(name string) (string, TokenInfo, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return "", TokenInfo{}, errors.New("auth: a token needs a name of 1 to 64 bytes")
	}
	tok := TokenPrefix + randomString()
	sum := sha256.Sum256([]byte(tok))
	rec := tokenRecord{
		TokenInfo: TokenInfo{ID: hex.EncodeToString(sum[:4]), Name: name, Created: a.opts.Now().UTC()},
		SHA256:    hex.EncodeToString(sum[:]),
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.mu.f.Tokens) >= maxTokens {
		return "", TokenInfo{}, fmt.Errorf("auth: %d tokens exist already; revoke one first", maxTokens)
	}
	a.mu.f.Tokens = append(a.mu.f.Tokens, rec)
	if err := a.saveLocked(); err != nil {
		a.mu.f.Tokens = a.mu.f.Tokens[:len(a.mu.f.Tokens)-1]
		return "", TokenInfo{}, err
	}
	return tok, rec.TokenInfo, nil
}

// Tokens lists the API tokens, oldest first, in a new slice.
func (a *Auth) Tokens() []TokenInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]TokenInfo, 0, len(a.mu.f.Tokens))
	for _, t := range a.mu.f.Tokens {
		out = append(out, t.TokenInfo)
	}
	return out
}

// RevokeToken deletes token id; ErrNoToken if there is none.
func (a *Auth) RevokeToken(id string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, t := range a.mu.f.Tokens {
		if t.ID != id {
			continue
		}
		prev := a.mu.f.Tokens
		a.mu.f.Tokens = append(append([]tokenRecord{}, prev[:i]...), prev[i+1:]...)
		if err := a.saveLocked(); err != nil {
			a.mu.f.Tokens = prev
			return err
		}
		return nil
	}
	return ErrNoToken
}

// CheckToken returns the info of token tok, and whether it is valid.
func (a *Auth) CheckToken(tok string) (TokenInfo, bool) {
	if !strings.HasPrefix(tok, TokenPrefix) {
		return TokenInfo{}, false
	}
	sum := sha256.Sum256([]byte(tok))
	want := []byte(hex.EncodeToString(sum[:]))
	a.mu.Lock()
	defer a.mu.Unlock()
	found := -1
	for i, t := range a.mu.f.Tokens { // no early exit: constant time in the list
		if subtle.ConstantTimeCompare([]byte(t.SHA256), want) == 1 {
			found = i
		}
	}
	if found < 0 {
		return TokenInfo{}, false
	}
	a.mu.f.Tokens[found].LastUsed = a.opts.Now().UTC()
	return a.mu.f.Tokens[found].TokenInfo, true
}

// Check authenticates r by its session cookie or its bearer token.
func (a *Auth) Check(r *http.Request) (Principal, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return Principal{}, false
		}
		info, ok := a.CheckToken(strings.TrimSpace(tok))
		return Principal{TokenID: info.ID}, ok
	}
	if c, err := r.Cookie(CookieName); err == nil && a.CheckSession(c.Value) {
		return Principal{Session: true}, true
	}
	return Principal{}, false
}

// saveLocked writes the file atomically.
func (a *Auth) saveLocked() error {
	b, err := json.MarshalIndent(a.mu.f, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: encode %s: %w", FileName, err)
	}
	if err := os.MkdirAll(filepath.Dir(a.path), 0o700); err != nil {
		return err
	}
	if err := atomicfile.Write(a.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("auth: save %s: %w; check that the data partition is mounted and writable", a.path, err)
	}
	return nil
}

// randomString returns 32 random bytes in unpadded base64url.
func randomString() string { return base64.RawURLEncoding.EncodeToString(randomBytes(32)) }

// randomBytes returns n bytes from crypto/rand.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
