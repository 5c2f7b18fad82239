package dashboard

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-node/cairn/appliance/dashboard/auth"
	"github.com/cairn-node/cairn/appliance/dashboard/logring"
	"github.com/cairn-node/cairn/appliance/dashboard/sysstat"
	"github.com/cairn-node/cairn/node/api"
)

// Session is the body of GET /dashboard/api/session.
type Session struct {
	// PasswordSet is false until the first visit set the password.
	PasswordSet bool `json:"password_set"`
	// LoggedIn is true when the request carried a live session or token.
	LoggedIn bool `json:"logged_in"`
}

// Status is the body of GET /dashboard/api/status.
type Status struct {
	// Time is when it was gathered.
	Time time.Time `json:"time"`
	// Node is the node's summary.
	Node api.NodeStatus `json:"node"`
	// NodeError says why Node is incomplete, when it is.
	NodeError string `json:"node_error,omitempty"`
	// System is the machine's.
	System sysstat.Stats `json:"system"`
	// Farm is the prover farm's status document; absent without a farm.
	Farm json.RawMessage `json:"farm,omitempty"`
	// FarmError says why Farm could not be read.
	FarmError string `json:"farm_error,omitempty"`
	// Actions says which actions are available.
	Actions ActionStatus `json:"actions"`
}

// ActionStatus says which actions the dashboard can do here and, for
// those it cannot, why.
type ActionStatus struct {
	// Reboot, PowerOff and Update are true when the action is wired.
	Reboot   bool `json:"reboot"`
	PowerOff bool `json:"poweroff"`
	Update   bool `json:"update"`
	// Unavailable is Actions.Unavailable; UpdateUnavailable is
	// Actions.UpdateUnavailable.
	Unavailable       string `json:"unavailable,omitempty"`
	UpdateUnavailable string `json:"update_unavailable,omitempty"`
}

// Logs is the body of GET /dashboard/api/logs.
type Logs struct {
	// Enabled is false when the node keeps no log ring.
	Enabled bool `json:"enabled"`
	// Entries are the records after the requested seq, oldest first.
	// Never null.
	Entries []logring.Entry `json:"entries"`
	// Last is the seq of the newest record; pass it as since next time.
	Last uint64 `json:"last"`
}

// TokenCreated is the body of POST /dashboard/api/tokens.
type TokenCreated struct {
	// Token is the secret, shown this once.
	Token string `json:"token"`
	// Info describes it, as GET tokens will list it.
	Info auth.TokenInfo `json:"info"`
}

// access is what a route requires.
type access int

const (
	public      access = iota // anyone
	loggedIn                  // a session or a token
	sessionOnly               // a browser session
)

func (d *Dashboard) routes() {
	d.mux.HandleFunc(PagePattern, d.page)
	d.mux.HandleFunc("GET "+Prefix+"static/", d.static.ServeHTTP)
	d.handle("GET session", public, d.session)
	d.handle("POST setup", public, d.setup)
	d.handle("POST login", public, d.login)
	d.handle("POST logout", public, d.logout)
	d.handle("POST password", sessionOnly, d.changePassword)
	d.handle("GET status", loggedIn, d.status)
	d.handle("GET logs", loggedIn, d.logs)
	d.handle("GET tokens", sessionOnly, d.listTokens)
	d.handle("POST tokens", sessionOnly, d.createToken)
	d.handle("DELETE tokens/{id}", sessionOnly, d.revokeToken)
	d.handle("POST actions/reboot", loggedIn, d.action("reboot", func() func() error { return d.o.Actions.Reboot }))
	d.handle("POST actions/poweroff", loggedIn, d.action("power off", func() func() error { return d.o.Actions.PowerOff }))
	d.handle("POST actions/update", loggedIn, d.update)
	d.mux.HandleFunc(apiPrefix, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such dashboard API route: "+r.Method+" "+r.URL.Path)
	})
}

// handle registers "METHOD path" under apiPrefix behind the access check
// and, for methods that change state, the CSRF check.
func (d *Dashboard) handle(route string, need access, h http.HandlerFunc) {
	method, path, _ := strings.Cut(route, " ")
	d.mux.HandleFunc(method+" "+apiPrefix+path, func(w http.ResponseWriter, r *http.Request) {
		if method != http.MethodGet && !auth.SameOrigin(r) {
			writeError(w, http.StatusForbidden, "cross-origin request refused; use the dashboard page or send no Origin header from scripts")
			return
		}
		if need == public {
			h(w, r)
			return
		}
		p, ok := d.o.Auth.Check(r)
		switch {
		case !ok && !d.o.Auth.PasswordSet():
			writeError(w, http.StatusUnauthorized, "no device password yet; open the dashboard to set one")
		case !ok:
			w.Header().Set("WWW-Authenticate", `Bearer realm="cairn"`)
			writeError(w, http.StatusUnauthorized, "log in, or send an API token as 'Authorization: Bearer <token>'")
		case need == sessionOnly && !p.Session:
			writeError(w, http.StatusForbidden, "API tokens cannot manage tokens or the password; log in to the dashboard")
		default:
			h(w, r)
		}
	})
}

func (d *Dashboard) page(w http.ResponseWriter, r *http.Request) {
	b, err := webFS.ReadFile("web/index.html")
	if err != nil {
		panic("BUG: embedded index.html: " + err.Error())
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
}

func (d *Dashboard) session(w http.ResponseWriter, r *http.Request) {
	_, ok := d.o.Auth.Check(r)
	writeJSON(w, http.StatusOK, Session{PasswordSet: d.o.Auth.PasswordSet(), LoggedIn: ok})
}

// passwordBody is the body of setup and login.
type passwordBody struct {
	Password string `json:"password"`
}

func (d *Dashboard) setup(w http.ResponseWriter, r *http.Request) {
	var b passwordBody
	if !readJSON(w, r, &b) {
		return
	}
	sid, err := d.o.Auth.Setup(b.Password)
	switch {
	case errors.Is(err, auth.ErrPasswordSet):
		writeError(w, http.StatusConflict, err.Error())
	case errors.Is(err, auth.ErrWeakPassword):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		d.log.Error("set device password", "err", err)
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		d.log.Info("device password set", "client", clientAddr(r))
		setSessionCookie(w, r, sid)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (d *Dashboard) login(w http.ResponseWriter, r *http.Request) {
	var b passwordBody
	if !readJSON(w, r, &b) {
		return
	}
	sid, err := d.o.Auth.Login(clientAddr(r), b.Password)
	var rl *auth.RateLimitError
	switch {
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds())+1))
		writeError(w, http.StatusTooManyRequests, err.Error())
	case errors.Is(err, auth.ErrNoPassword):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		d.log.Warn("dashboard login failed", "client", clientAddr(r))
		writeError(w, http.StatusUnauthorized, err.Error())
	default:
		setSessionCookie(w, r, sid)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (d *Dashboard) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.CookieName); err == nil {
		d.o.Auth.Logout(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.WriteHeader(http.StatusNoContent)
}

func (d *Dashboard) changePassword(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Old string `json:"old"`
		New string `json:"new"`
	}
	if !readJSON(w, r, &b) {
		return
	}
	err := d.o.Auth.ChangePassword(clientAddr(r), b.Old, b.New)
	var rl *auth.RateLimitError
	switch {
	case errors.As(err, &rl):
		writeError(w, http.StatusTooManyRequests, err.Error())
	case errors.Is(err, auth.ErrWrongPassword):
		writeError(w, http.StatusForbidden, "the current password is wrong")
	case errors.Is(err, auth.ErrWeakPassword):
		writeError(w, http.StatusBadRequest, err.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		d.log.Info("device password changed; every session ended", "client", clientAddr(r))
		sid, err := d.o.Auth.Login(clientAddr(r), b.New)
		if err == nil {
			setSessionCookie(w, r, sid)
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// setSessionCookie sets the session cookie: HttpOnly, SameSite=Strict,
// Secure over TLS, for the browser session's lifetime.
func setSessionCookie(w http.ResponseWriter, r *http.Request, sid string) {
	http.SetCookie(w, &http.Cookie{Name: auth.CookieName, Value: sid, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
}

// clientAddr is the rate-limit key of r: the peer's IP address. Proxy
// headers are ignored, as they are the client's to forge.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (d *Dashboard) status(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), statusTimeout)
	defer cancel()
	writeJSON(w, http.StatusOK, d.gather(ctx))
}

// gather collects a Status.
func (d *Dashboard) gather(ctx context.Context) Status {
	a := d.o.Actions
	st := Status{
		Time:   time.Now().UTC(),
		System: d.o.System.Read(),
		Actions: ActionStatus{
			Reboot: a.Reboot != nil, PowerOff: a.PowerOff != nil, Update: a.Update != nil,
			Unavailable: a.Unavailable, UpdateUnavailable: a.UpdateUnavailable,
		},
	}
	var err error
	if st.Node, err = d.o.Node.Status(ctx); err != nil {
		st.NodeError = err.Error()
	}
	if st.Node.Accel == nil {
		st.Node.Accel = []api.AccelBackend{}
	}
	if d.o.Farm != nil {
		if st.Farm, err = d.o.Farm(ctx); err != nil {
			st.FarmError = err.Error()
		}
	}
	return st
}

func (d *Dashboard) logs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	since, err := parseUint(q.Get("since"), 0)
	if err != nil {
		writeError(w, http.StatusBadRequest, "since: want the seq of the last entry seen, e.g. since=0")
		return
	}
	limit, err := parseUint(q.Get("limit"), DefaultLogLimit)
	if err != nil || limit == 0 {
		writeError(w, http.StatusBadRequest, "limit: want a positive number of entries")
		return
	}
	out := Logs{Entries: []logring.Entry{}}
	if d.o.Logs != nil {
		out.Enabled = true
		out.Last = d.o.Logs.Last()
		if e := d.o.Logs.Since(since, int(min(limit, 10000))); e != nil {
			out.Entries = e
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// parseUint parses s, or returns def when s is empty.
func parseUint(s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

func (d *Dashboard) listTokens(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, d.o.Auth.Tokens())
}

func (d *Dashboard) createToken(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Name string `json:"name"`
	}
	if !readJSON(w, r, &b) {
		return
	}
	tok, info, err := d.o.Auth.CreateToken(b.Name)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	d.log.Info("API token created", "id", info.ID, "name", info.Name)
	writeJSON(w, http.StatusCreated, TokenCreated{Token: tok, Info: info})
}

func (d *Dashboard) revokeToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	switch err := d.o.Auth.RevokeToken(id); {
	case errors.Is(err, auth.ErrNoToken):
		writeError(w, http.StatusNotFound, "no API token "+strconv.Quote(id))
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		d.log.Info("API token revoked", "id", id)
		w.WriteHeader(http.StatusNoContent)
	}
}
