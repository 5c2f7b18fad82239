package node

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/buildinfo"
	"github.com/cairn-node/cairn/node/farm"
	relayapi "github.com/cairn-node/cairn/node/relay/httpapi"
	sigverifyapi "github.com/cairn-node/cairn/node/sigverify/httpapi"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/httpapi"
	proofsapi "github.com/cairn-node/cairn/node/storage/proofs/httpapi"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
	"github.com/cairn-node/cairn/node/waku/store"
	storeapi "github.com/cairn-node/cairn/node/waku/store/httpapi"
)

// handler returns the API routes (see package node/api).
func (n *Node) handler() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+api.HealthzPath, func(w http.ResponseWriter, r *http.Request) {
		n.writeJSON(w, api.Health{
			Status:  api.StatusOK,
			UptimeS: n.uptime().Seconds(),
			Version: buildinfo.Read().Version,
		})
	})
	mux.HandleFunc("GET "+api.AccelPath, func(w http.ResponseWriter, r *http.Request) {
		n.writeJSON(w, api.NewAccelInfo(n.router))
	})
	// config.Validate keeps MetricsPath clear of the paths above and of
	// pattern syntax, so this cannot panic.
	mux.Handle("GET "+n.cfg.MetricsPath, promhttp.HandlerFor(n.metrics, promhttp.HandlerOpts{}))
	n.api = httpapi.New(n.store, n.hasher, httpapi.Options{
		Logger: n.opts.log, Registerer: n.metrics, Router: n.router,
		Network: &network{host: n.host, ex: n.exchange},
	})
	n.api.Register(mux, httpapi.PrefixStorage, httpapi.PrefixCodex)
	n.proofs = prover.NewService(prover.Options{Store: n.store, Dir: filepath.Join(n.cfg.DataDir, "proofs"), Logger: n.opts.log, Registerer: n.metrics,
		EC: ec.Options{Router: n.router, Hasher: n.hasher, Logger: n.opts.log}, Remote: n.storageRemote()})
	proofsapi.New(n.proofs, n.opts.log).Register(mux, httpapi.PrefixStorage)
	sigverifyapi.New(sigverifyapi.Options{Logger: n.opts.log}).Register(mux)
	n.relayAPI = relayapi.New(n.relay, relayapi.Options{
		Logger: n.opts.log, ClusterID: n.cfg.Waku.ClusterID, ShardCount: int(n.cfg.Waku.Shards),
		Publish: n.publisher().Publish,
	})
	n.relayAPI.Register(mux)
	// Relay every shard of the cluster, as a Waku Network node does.
	if err := n.relayAPI.Join(n.waku.topics...); err != nil {
		n.log.Warn("join relay shards", "err", err)
	}
	if n.archive != nil {
		storeapi.New(storeapi.Options{
			Archive: n.archive,
			Client:  &store.Client{Host: n.host, Metrics: n.waku.storeMetrics},
			Logger:  n.opts.log,
		}).Register(mux)
	}
	mux.HandleFunc("GET "+api.WakuHealthPath, func(w http.ResponseWriter, r *http.Request) {
		rep := n.wakuHealth()
		code := http.StatusOK
		if !rep.Ready() {
			code = http.StatusServiceUnavailable
		}
		n.writeJSONCode(w, code, rep)
	})
	mux.HandleFunc("GET "+api.WakuDebugInfoPath, func(w http.ResponseWriter, r *http.Request) {
		info := api.DebugInfo{ListenAddresses: listenAddrs(n)}
		if n.waku.self != nil {
			info.ENRURI = n.waku.self.String()
		}
		n.writeJSON(w, info)
	})
	if n.farm != nil {
		mux.Handle("GET "+farm.StatusPath, farm.StatusHandler(n.farm.monitor))
	}
	mux.HandleFunc("GET "+api.WakuDebugVersionPath, func(w http.ResponseWriter, r *http.Request) {
		n.writeJSON(w, buildinfo.Read().Version)
	})
	return mux
}

// apiHandler returns the node's routes plus the WithHandler routes, wrapped
// in the WithAPIMiddleware wrapper if any. A WithHandler pattern that
// collides with another route is an error (ServeMux would panic).
func (n *Node) apiHandler() (h http.Handler, err error) {
	mux := n.handler()
	for _, x := range n.opts.handlers {
		if err := mountHandler(mux, x.pattern, x.h(n)); err != nil {
			return nil, err
		}
	}
	h = mux
	if n.opts.wrap != nil {
		h = n.opts.wrap(h)
	}
	return h, nil
}

// mountHandler registers h under pattern, turning ServeMux's panic on a
// conflicting or malformed pattern into an error.
func mountHandler(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("node: WithHandler(%q): %v", pattern, r)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// writeJSON writes v as indented JSON, the format of `cairn accel info --json`.
func (n *Node) writeJSON(w http.ResponseWriter, v any) { n.writeJSONCode(w, http.StatusOK, v) }

// writeJSONCode writes v as indented JSON with status code.
func (n *Node) writeJSONCode(w http.ResponseWriter, code int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		// The API types hold only marshalable fields.
		panic("BUG: marshal API response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n')) // a write error means the client left
}

// newMetrics returns the node's metrics registry: Go runtime and process
// collectors and cairn_build_info. Each node has its own registry, so
// several nodes in one process (tests) do not collide.
func newMetrics(bi buildinfo.Info) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "cairn_build_info",
		Help: "Always 1; the labels describe the running build of cairn.",
		ConstLabels: prometheus.Labels{
			"version":   bi.Version,
			"revision":  bi.Revision,
			"goversion": bi.GoVersion,
		},
	})
	build.Set(1)
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		build,
	)
	return reg
}
