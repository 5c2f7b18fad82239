package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/ipfs/go-cid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
	"github.com/cairn-node/cairn/node/storage/restapi"
)

// The URL prefixes the API is served under.
const (
	PrefixStorage = "/api/storage/v1" // Logos Storage 2026
	PrefixCodex   = "/api/codex/v1"   // nim-codex v0.2 clients
)

// Server serves the storage API. It is safe for concurrent use.
type Server struct {
	store   storage.Store
	hasher  accel.SHA256
	router  *accel.Router
	net     Network
	dl      downloads
	log     *slog.Logger
	metrics *metrics
}

// Options are the optional parts of a Server.
type Options struct {
	// Logger receives request failures. Nil means slog.Default(); the
	// server adds subsys=node/storage/httpapi.
	Logger *slog.Logger
	// Registerer receives the server's Prometheus series
	// (cairn_storage_*). Nil means they are not exported.
	Registerer prometheus.Registerer
	// Router picks the erasure-coding backend. Nil means
	// accel.DefaultRouter().
	Router *accel.Router
	// Network serves the network routes (/peerid, /connect, /debug/info,
	// /data/{cid}/network…). Nil makes them answer 503.
	Network Network
}

// New returns a server over store, hashing uploads with hasher. Close
// stops the downloads it runs in the background.
func New(store storage.Store, hasher accel.SHA256, opts Options) *Server {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &Server{store: store, hasher: hasher, router: opts.Router, net: opts.Network, log: log.With("subsys", "node/storage/httpapi"), metrics: newMetrics(opts.Registerer)}
	s.dl.byID = map[uint64]*download{}
	s.dl.ctx, s.dl.cancel = context.WithCancel(context.Background())
	return s
}

// Register mounts the routes under each prefix on mux (PrefixStorage and
// PrefixCodex when none are given).
func (s *Server) Register(mux *http.ServeMux, prefixes ...string) {
	if len(prefixes) == 0 {
		prefixes = []string{PrefixStorage, PrefixCodex}
	}
	for _, p := range prefixes {
		mux.HandleFunc("POST "+p+"/data", s.upload)
		mux.HandleFunc("GET "+p+"/data", s.list)
		mux.HandleFunc("GET "+p+"/data/{cid}", s.download)
		mux.HandleFunc("HEAD "+p+"/data/{cid}", s.download)
		mux.HandleFunc("GET "+p+"/data/{cid}/exists", s.exists)
		mux.HandleFunc("DELETE "+p+"/data/{cid}", s.delete)
		mux.HandleFunc("GET "+p+"/space", s.space)
		s.registerNetwork(mux, p)
	}
}

// apiError is an error with its HTTP status.
type apiError struct {
	status int
	err    error
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

func errStatus(status int, format string, args ...any) error {
	return &apiError{status, fmt.Errorf(format, args...)}
}

// ecOptions are the options of the erasure-coding calls.
func (s *Server) ecOptions() ec.Options {
	return ec.Options{Router: s.router, Hasher: s.hasher, Logger: s.log}
}

// fail writes err as {"error": …} with the status it maps to.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		status = ae.status
	case errors.Is(err, storage.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, storage.ErrQuotaExceeded):
		status = http.StatusInsufficientStorage
	case errors.Is(err, cids.ErrInvalid), errors.Is(err, dataset.ErrEmpty), errors.Is(err, ec.ErrInvalidParams):
		status = http.StatusBadRequest
	case errors.Is(err, ec.ErrUnrecoverable):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, context.Canceled):
		status = 499 // client closed the request (nginx's code); the client is gone
	}
	if status >= 500 {
		s.log.Warn("request failed", "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client may be gone; nothing else to tell
}

// parseCID reads the {cid} path value: a block or manifest CID.
func parseCID(r *http.Request) (cid.Cid, error) {
	c, err := cids.Parse(r.PathValue("cid"), cids.CodecManifest, cids.CodecBlock, cids.CodecTree)
	if err != nil {
		return cid.Undef, errStatus(http.StatusBadRequest, "%w", err)
	}
	return c, nil
}

// toJSON converts m to its API form.
func toJSON(m *manifest.Manifest) restapi.Manifest {
	j := restapi.Manifest{
		TreeCID: cids.String(m.TreeCID), DatasetSize: m.DatasetSize, BlockSize: m.BlockSize,
		Protected: m.Protected(), Filename: m.Filename, Mimetype: m.Mimetype,
	}
	if e := m.Erasure; e != nil {
		j.ECK, j.ECM, j.OriginalDatasetSize = e.K, e.M, e.OriginalDatasetSize
		j.OriginalTreeCID = cids.String(e.OriginalTreeCID)
	}
	return j
}

// loadManifest reads and decodes the manifest of stored dataset c.
func (s *Server) loadManifest(ctx context.Context, c cid.Cid) (*manifest.Manifest, error) {
	raw, err := s.store.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	m, _, err := manifest.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("stored manifest %s: %w", cids.String(c), err)
	}
	return m, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	infos, err := s.store.Datasets(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := restapi.DatasetList{Content: []restapi.Dataset{}}
	for _, d := range infos {
		m, err := s.loadManifest(r.Context(), d.Manifest)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out.Content = append(out.Content, restapi.Dataset{CID: cids.String(d.Manifest), Manifest: toJSON(m)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) exists(w http.ResponseWriter, r *http.Request) {
	c, err := parseCID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ok bool
	if c.Type() == cids.CodecManifest {
		_, err = s.store.Dataset(r.Context(), c)
		ok = err == nil
		if errors.Is(err, storage.ErrNotFound) {
			err = nil
		}
	} else {
		ok, err = s.store.Has(r.Context(), c)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{cids.String(c): ok})
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request) {
	c, err := parseCID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c.Type() == cids.CodecManifest {
		err = s.store.DeleteDataset(r.Context(), c)
	} else {
		err = s.store.Delete(r.Context(), c)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) space(w http.ResponseWriter, r *http.Request) {
	sp, err := s.store.Space()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sp)
}
