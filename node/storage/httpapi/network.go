package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// Network is what the network routes need from the node's peer-to-peer
// side. Implementations are safe for concurrent use.
type Network interface {
	// PeerID returns this node's libp2p peer ID ("16Uiu2…").
	PeerID() string
	// Addrs returns the multiaddrs this node listens on.
	Addrs() []string
	// Connect dials peer id at addrs (multiaddrs; none: addresses the
	// node already knows).
	Connect(ctx context.Context, id string, addrs []string) error
	// Fetch downloads dataset m from the network into the store and
	// commits it; it returns nil at once when m is stored. progress, when
	// not nil, gets blocks done and total as the fetch goes.
	Fetch(ctx context.Context, m cid.Cid, progress func(done, total uint64)) error
	// FetchManifest returns the encoded manifest m from the network,
	// checked against m, without storing anything.
	FetchManifest(ctx context.Context, m cid.Cid) ([]byte, error)
	// Provide announces that this node stores dataset m, so that other
	// nodes find it (a no-op where there is no DHT).
	Provide(ctx context.Context, m cid.Cid) error
}

// provideTimeout bounds one announcement of an upload.
const provideTimeout = time.Minute

// announce provides dataset m in the background (owned by s.dl.wg): the
// upload's answer does not wait for the DHT.
func (s *Server) announce(m cid.Cid) {
	if s.net == nil {
		return
	}
	s.dl.wg.Add(1)
	go func() {
		defer s.dl.wg.Done()
		ctx, cancel := context.WithTimeout(s.dl.ctx, provideTimeout)
		defer cancel()
		if err := s.net.Provide(ctx, m); err != nil {
			s.log.Debug("announce dataset", "manifest", cids.String(m), "err", err)
		}
	}()
}

// ErrNoNetwork is returned by the network routes of a server without a
// Network.
var ErrNoNetwork = errors.New("httpapi: this node has no network (libp2p host not started)")

// registerNetwork mounts the network routes under prefix p.
func (s *Server) registerNetwork(mux *http.ServeMux, p string) {
	mux.HandleFunc("GET "+p+"/peerid", s.peerID)
	mux.HandleFunc("GET "+p+"/connect/{peer}", s.connect)
	mux.HandleFunc("GET "+p+"/debug/info", s.debugInfo)
	mux.HandleFunc("GET "+p+"/data/{cid}/network/stream", s.networkStream)
	mux.HandleFunc("GET "+p+"/data/{cid}/network/manifest", s.networkManifest)
	mux.HandleFunc("POST "+p+"/data/{cid}/network", s.networkFetch)
	mux.HandleFunc("GET "+p+"/data/{cid}/network/progress/{id}", s.networkProgress)
}

func (s *Server) network() (Network, error) {
	if s.net == nil {
		return nil, &apiError{http.StatusServiceUnavailable, ErrNoNetwork}
	}
	return s.net, nil
}

func (s *Server) peerID(w http.ResponseWriter, r *http.Request) {
	n, err := s.network()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "text/plain") {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, n.PeerID())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": n.PeerID()})
}

func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	n, err := s.network()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var addrs []string
	for _, a := range r.URL.Query()["addrs"] {
		for _, one := range strings.Split(a, ",") {
			if one = strings.TrimSpace(one); one != "" {
				addrs = append(addrs, one)
			}
		}
	}
	if err := n.Connect(r.Context(), r.PathValue("peer"), addrs); err != nil {
		s.fail(w, r, errStatus(http.StatusBadRequest, "connect to %s: %w", r.PathValue("peer"), err))
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, "Successfully connected to peer")
}

func (s *Server) debugInfo(w http.ResponseWriter, r *http.Request) {
	n, err := s.network()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": n.PeerID(), "addrs": n.Addrs(), "announceAddresses": n.Addrs(),
		"storage": map[string]string{"implementation": "cairn"},
	})
}

// fetchFirst fetches the dataset of the {cid} path value from the network
// unless it is stored, and returns its CID.
func (s *Server) fetchFirst(r *http.Request) (cid.Cid, error) {
	c, err := parseCID(r)
	if err != nil {
		return cid.Undef, err
	}
	if c.Type() != cids.CodecManifest {
		return cid.Undef, errStatus(http.StatusBadRequest, "%s is not a manifest CID; network downloads fetch whole datasets", cids.String(c))
	}
	n, err := s.network()
	if err != nil {
		return cid.Undef, err
	}
	if err := n.Fetch(r.Context(), c, nil); err != nil {
		return cid.Undef, fmt.Errorf("fetch %s from the network: %w", cids.String(c), err)
	}
	s.announce(c)
	return c, nil
}

// networkStream fetches the dataset if needed and streams it as the local
// download does (Range included).
func (s *Server) networkStream(w http.ResponseWriter, r *http.Request) {
	if _, err := s.fetchFirst(r); err != nil {
		s.fail(w, r, err)
		return
	}
	s.download(w, r)
}

// networkManifest answers the manifest of a dataset: the stored one, or
// else the one a provider sends (nothing is stored).
func (s *Server) networkManifest(w http.ResponseWriter, r *http.Request) {
	c, err := parseCID(r)
	if err == nil && c.Type() != cids.CodecManifest {
		err = errStatus(http.StatusBadRequest, "%s is not a manifest CID", cids.String(c))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	m, err := s.loadManifest(r.Context(), c)
	if errors.Is(err, storage.ErrNotFound) {
		var n Network
		if n, err = s.network(); err == nil {
			var raw []byte
			if raw, err = n.FetchManifest(r.Context(), c); err == nil {
				m, _, err = manifest.Decode(raw)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"cid": cids.String(c), "manifest": toJSON(m)})
}

// downloads tracks the background fetches started by POST /data/{cid}/network.
type downloads struct {
	mu     sync.Mutex
	nextID uint64
	byID   map[uint64]*download
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

type download struct {
	cid         cid.Cid
	done, total uint64
	active      bool
	err         error
}

// networkFetch starts a background fetch and answers its downloadId.
func (s *Server) networkFetch(w http.ResponseWriter, r *http.Request) {
	c, err := parseCID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, err := s.network()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &download{cid: c, active: true}
	s.dl.mu.Lock()
	s.dl.nextID++
	id := s.dl.nextID
	s.dl.byID[id] = d
	s.dl.mu.Unlock()
	s.dl.wg.Add(1)
	go func() {
		defer s.dl.wg.Done()
		err := n.Fetch(s.dl.ctx, c, func(done, total uint64) {
			s.dl.mu.Lock()
			d.done, d.total = done, total
			s.dl.mu.Unlock()
		})
		s.dl.mu.Lock()
		d.active, d.err = false, err
		s.dl.mu.Unlock()
		if err != nil {
			s.log.Warn("network download failed", "manifest", cids.String(c), "err", err)
			return
		}
		s.announce(c)
	}()
	writeJSON(w, http.StatusAccepted, map[string]any{"cid": cids.String(c), "downloadId": id})
}

func (s *Server) networkProgress(w http.ResponseWriter, r *http.Request) {
	var id uint64
	if _, err := fmt.Sscan(r.PathValue("id"), &id); err != nil {
		s.fail(w, r, errStatus(http.StatusBadRequest, "download id %q: not a number", r.PathValue("id")))
		return
	}
	s.dl.mu.Lock()
	d, ok := s.dl.byID[id]
	var out map[string]any
	if ok {
		out = map[string]any{"active": d.active, "received": d.done, "total": d.total}
		if d.err != nil {
			out["error"] = d.err.Error()
		}
	}
	s.dl.mu.Unlock()
	if !ok {
		s.fail(w, r, fmt.Errorf("download %d: %w", id, storage.ErrNotFound))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// Close stops the background downloads and waits for them. It is safe to
// call more than once.
func (s *Server) Close() error {
	s.dl.cancel()
	s.dl.wg.Wait()
	return nil
}
