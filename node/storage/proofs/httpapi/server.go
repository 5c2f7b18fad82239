package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"strconv"

	"github.com/ipfs/go-cid"

	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/prover"
)

// maxBody bounds a request body: a proof and its inputs are under 2 KB.
const maxBody = 64 << 10

// Handler serves the proof routes over a prover.Service.
type Handler struct {
	svc *prover.Service
	log *slog.Logger
}

// New returns the handler of svc; log nil means slog.Default().
func New(svc *prover.Service, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{svc: svc, log: log}
}

// Register mounts POST prefix/proofs, prefix/proofs/verify and
// prefix/proofs/input on mux.
func (h *Handler) Register(mux *http.ServeMux, prefix string) {
	mux.HandleFunc("POST "+prefix+"/proofs", h.prove)
	mux.HandleFunc("POST "+prefix+"/proofs/verify", h.verify)
	mux.HandleFunc("POST "+prefix+"/proofs/input", h.input)
}

// statusError is an error with the HTTP status it maps to.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

func badRequest(format string, args ...any) error {
	return &statusError{http.StatusBadRequest, fmt.Errorf(format, args...)}
}

// proveArgs are a ProveRequest checked and parsed.
type proveArgs struct {
	cid     cid.Cid
	slot    int
	entropy *big.Int
	samples int
}

// proveRequest reads and checks a ProveRequest body.
func proveRequest(w http.ResponseWriter, r *http.Request) (proveArgs, error) {
	var req ProveRequest
	if err := decode(w, r, &req); err != nil {
		return proveArgs{}, err
	}
	a := proveArgs{slot: req.Slot, samples: req.Samples}
	if a.samples == 0 {
		a.samples = prover.DefaultSamples
	}
	var err error
	if a.cid, err = cids.Parse(req.CID, cids.CodecManifest); err != nil {
		return a, badRequest("cid: %w", err)
	}
	if a.entropy, err = parseDecimal("entropy", req.Entropy); err != nil {
		return a, err
	}
	if req.Slot < 0 {
		return a, badRequest("slot %d is negative", req.Slot)
	}
	return a, nil
}

func (h *Handler) prove(w http.ResponseWriter, r *http.Request) {
	a, err := proveRequest(w, r)
	if err != nil {
		h.fail(w, r, 0, err)
		return
	}
	res, err := h.svc.Prove(r.Context(), a.cid, a.slot, a.entropy, a.samples)
	if err != nil {
		h.fail(w, r, a.samples, err)
		return
	}
	pj, err := res.Proof.MarshalJSON()
	if err != nil {
		h.fail(w, r, 0, err)
		return
	}
	writeJSON(w, http.StatusOK, ProveResponse{
		Proof: pj, Public: publicJSON(res.Public), Samples: a.samples, Cells: res.Cells,
		ElapsedMS: res.Elapsed.Milliseconds(),
	})
}

// input answers a ProveRequest with upstream's circuit input (input.json)
// for it instead of a proof.
func (h *Handler) input(w http.ResponseWriter, r *http.Request) {
	a, err := proveRequest(w, r)
	if err != nil {
		h.fail(w, r, 0, err)
		return
	}
	js, _, err := h.svc.Input(r.Context(), a.cid, a.slot, a.entropy, a.samples)
	if err != nil {
		h.fail(w, r, a.samples, err)
		return
	}
	writeJSON(w, http.StatusOK, json.RawMessage(js))
}

func (h *Handler) verify(w http.ResponseWriter, r *http.Request) {
	var req ProveResponse
	if err := decode(w, r, &req); err != nil {
		h.fail(w, r, 0, err)
		return
	}
	if req.Samples == 0 {
		req.Samples = prover.DefaultSamples
	}
	var proof proofs.Proof
	if len(req.Proof) == 0 {
		h.fail(w, r, 0, badRequest("proof missing"))
		return
	}
	if err := proof.UnmarshalJSON(req.Proof); err != nil {
		h.fail(w, r, 0, badRequest("proof: %w", err))
		return
	}
	pub, err := parsePublic(req.Public)
	if err != nil {
		h.fail(w, r, 0, err)
		return
	}
	err = h.svc.Verify(r.Context(), req.Samples, &proof, pub)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, VerifyResponse{Valid: true})
	case errors.Is(err, proofs.ErrInvalidProof):
		writeJSON(w, http.StatusOK, VerifyResponse{Reason: fmt.Sprintf("the proof does not verify for these public inputs with the %d-sample key", req.Samples)})
	default:
		h.fail(w, r, req.Samples, err)
	}
}

// decode reads a JSON body of at most maxBody bytes into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		return badRequest("request body: %w", err)
	}
	return nil
}

// parseDecimal reads a non-negative decimal integer.
func parseDecimal(what, s string) (*big.Int, error) {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 {
		return nil, badRequest("%s %q: want a non-negative decimal integer (a BN254 field element)", what, truncate(s))
	}
	return v, nil
}

func truncate(s string) string {
	if len(s) > 90 {
		return s[:90] + "…"
	}
	return s
}

func parsePublic(p Public) (proofs.PublicInputs, error) {
	e, err := parseDecimal("public.entropy", p.Entropy)
	if err != nil {
		return proofs.PublicInputs{}, err
	}
	root, err := parseDecimal("public.dataSetRoot", p.DataSetRoot)
	if err != nil {
		return proofs.PublicInputs{}, err
	}
	return proofs.PublicInputs{Entropy: e, DataSetRoot: root, SlotIndex: p.SlotIndex}, nil
}

func publicJSON(p proofs.PublicInputs) Public {
	return Public{Entropy: p.Entropy.String(), DataSetRoot: p.DataSetRoot.String(), SlotIndex: p.SlotIndex}
}

// fail writes err as {"error": …} with the status it maps to; samples
// sets Retry-After for a running key setup.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, samples int, err error) {
	status := http.StatusInternalServerError
	var se *statusError
	switch {
	case errors.As(err, &se):
		status = se.status
	case errors.Is(err, storage.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, ec.ErrNotProtected), errors.Is(err, ec.ErrUnrecoverable):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, prover.ErrInput), errors.Is(err, circuit.ErrWitness), errors.Is(err, cids.ErrInvalid):
		status = http.StatusBadRequest
	case errors.Is(err, prover.ErrSetupRunning):
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", strconv.Itoa(int(h.svc.RetryAfter(samples).Seconds())))
	case errors.Is(err, context.Canceled):
		status = 499 // the client left
	}
	switch {
	case status == http.StatusServiceUnavailable:
		h.log.Debug("proof request waits for a key setup", "path", r.URL.Path, "samples", samples)
	case status >= 500:
		h.log.Warn("proof request failed", "path", r.URL.Path, "status", status, "err", err)
	}
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client may be gone
}
