package dashboard

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/cairn-node/cairn/appliance/dashboard/auth"
	"github.com/cairn-node/cairn/appliance/dashboard/logring"
	"github.com/cairn-node/cairn/appliance/dashboard/sysstat"
	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/api"
)

// Mount points of the dashboard on the node's API server.
const (
	// PagePattern serves the page: exactly "/".
	PagePattern = "GET /{$}"
	// Prefix holds the assets and the JSON API.
	Prefix = "/dashboard/"
	// apiPrefix is the JSON API.
	apiPrefix = Prefix + "api/"
)

// Limits.
const (
	// maxJSONBody bounds a JSON request body.
	maxJSONBody = 64 << 10
	// DefaultLogLimit is how many log entries GET logs returns at most
	// without a limit parameter.
	DefaultLogLimit = 200
	// statusTimeout bounds one status gathering.
	statusTimeout = 5 * time.Second
)

//go:embed web
var webFS embed.FS

// StatusSource is what the dashboard reads of the node; *node.Node is
// one.
type StatusSource interface {
	// Status returns the node's summary; see node.(*Node).Status.
	Status(ctx context.Context) (api.NodeStatus, error)
}

// FarmSource returns the prover farm's status document (any JSON object),
// or nil and no error when the node runs no farm: the page then hides its
// farm panel. See NodeFarm.
type FarmSource func(ctx context.Context) (json.RawMessage, error)

// Actions are the machine actions the dashboard offers. A nil function is
// shown as unavailable with Unavailable as the reason.
type Actions struct {
	// Reboot and PowerOff ask the system to go down; they return once the
	// request is made (the node is stopped after the response is sent).
	Reboot   func() error
	PowerOff func() error
	// Update installs the system image read from image and returns once
	// it is written (the reboot into it is a separate action).
	Update func(ctx context.Context, image io.Reader) error
	// Unavailable says why Reboot and PowerOff are nil ("not running as
	// the Cairn appliance"); UpdateUnavailable why Update is.
	Unavailable       string
	UpdateUnavailable string
}

// Options configure New.
type Options struct {
	// Node supplies the node's status. Required by New; NodeOptions
	// fills it with the started node.
	Node StatusSource
	// Auth checks passwords, sessions and tokens. Required.
	Auth *auth.Auth
	// Logs is the node's log ring; nil hides the logs panel.
	Logs *logring.Handler
	// System reads machine statistics; nil means sysstat.New with
	// default options.
	System *sysstat.Reader
	// Farm feeds the farm panel; nil hides it.
	Farm FarmSource
	// Actions are the machine actions.
	Actions Actions
	// Logger logs actions and failures. Default: slog.Default().
	Logger *slog.Logger
}

// Dashboard serves the page and its API. It is an http.Handler for
// PagePattern and Prefix, safe for concurrent use.
type Dashboard struct {
	o      Options
	log    *slog.Logger
	mux    *http.ServeMux
	static http.Handler
}

// New returns the dashboard for o. It fails when o.Node or o.Auth is nil.
func New(o Options) (*Dashboard, error) {
	if o.Node == nil || o.Auth == nil {
		return nil, errors.New("dashboard: Options.Node and Options.Auth are required")
	}
	if o.System == nil {
		o.System = sysstat.New(sysstat.Options{})
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		panic("BUG: embedded web directory: " + err.Error())
	}
	d := &Dashboard{o: o, log: o.Logger.With("subsys", "appliance/dashboard"), mux: http.NewServeMux()}
	d.static = http.StripPrefix(Prefix+"static/", http.FileServerFS(sub))
	d.routes()
	return d, nil
}

// ServeHTTP serves the page, the assets and the API.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	d.mux.ServeHTTP(w, r)
}

// NodeOptions returns the node options that mount the dashboard on the
// node's API server (PagePattern and Prefix), with the started node as
// o.Node and, when o.Farm is nil, NodeFarm of that node.
// o.Auth must be set; New's other defaults apply.
func NodeOptions(o Options) []node.Option {
	var (
		once sync.Once
		d    http.Handler
	)
	mount := func(n *node.Node) http.Handler {
		once.Do(func() {
			oo := o
			oo.Node = n
			if oo.Farm == nil {
				oo.Farm = NodeFarm(n)
			}
			dash, err := New(oo)
			if err != nil {
				// Only a nil Auth gets here: a wiring mistake.
				panic("BUG: dashboard.NodeOptions: " + err.Error())
			}
			d = dash
		})
		return d
	}
	return []node.Option{node.WithHandler(PagePattern, mount), node.WithHandler(Prefix, mount)}
}

// writeJSON writes v with code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("BUG: marshal dashboard response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n')) // a write error means the client left
}

// apiError is the body of every error response.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, apiError{Error: msg})
}

// readJSON decodes a small JSON body into v, answering 400 itself.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad JSON body: "+err.Error())
		return false
	}
	return true
}
