// Package httpapi serves signature batch verification on the node's REST
// API:
//
//	POST /api/accel/v1/verify   [{"scheme", "public_key", "message", "signature"}, …] → {"valid": N, "failed": […]}
//
// The body is the JSON format of package node/sigverify, at most
// [MaxBodyBytes] and [sigverify.MaxItems] items by default. Answers: 200
// with the result (also when items fail: failing is an answer), 400 with
// {"error": …} naming the item for a malformed body, 413 for a body over
// the limit, 500 when the verifier cannot run (a CAIRN_ACCEL_SIGBATCH
// backend unavailable here).
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/cairn-node/cairn/node/sigverify"
)

// MaxBodyBytes is the default request body limit: 64 MiB, about 250,000
// BLS12-381 items or 400,000 Ed25519 items.
const MaxBodyBytes = 64 << 20

// Options configures a Handler. The zero value is the default.
type Options struct {
	// Logger receives server-side failures; nil means slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes caps a request body; 0 means MaxBodyBytes.
	MaxBodyBytes int64
	// MaxItems caps the items of one request; 0 means sigverify.MaxItems.
	MaxItems int
}

// Handler serves the verify route. It is safe for concurrent use.
type Handler struct {
	log      *slog.Logger
	maxBody  int64
	maxItems int
}

// New returns a handler with opts (defaults filled in).
func New(opts Options) *Handler {
	h := &Handler{log: opts.Logger, maxBody: opts.MaxBodyBytes, maxItems: opts.MaxItems}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.maxBody <= 0 {
		h.maxBody = MaxBodyBytes
	}
	if h.maxItems <= 0 {
		h.maxItems = sigverify.MaxItems
	}
	return h
}

// Register mounts POST sigverify.VerifyPath on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST "+sigverify.VerifyPath, h.verify)
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	items, err := sigverify.Decode(http.MaxBytesReader(w, r.Body, h.maxBody), h.maxItems)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes; split the batch", tooBig.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, err)
		return
	}
	res, err := sigverify.Verify(items)
	if err != nil {
		h.log.Warn("signature batch verification failed", "items", len(items), "err", err)
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	raw, _ := res.MarshalJSON() // never fails
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(raw, '\n')) // a write error means the client left
}

// writeError writes {"error": err} with status.
func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()}) // the client may be gone
}
