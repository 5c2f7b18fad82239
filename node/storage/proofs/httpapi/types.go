package httpapi

import "encoding/json"

// ProveRequest is the body of POST /proofs.
type ProveRequest struct {
	// CID is the manifest CID of an erasure-coded dataset.
	CID string `json:"cid"`
	// Slot is the slot index, 0..K+M-1.
	Slot int `json:"slot"`
	// Entropy is a field element in decimal.
	Entropy string `json:"entropy"`
	// Samples is the number of sampled cells N; 0 means 5.
	Samples int `json:"samples,omitempty"`
}

// Public are a proof's public inputs; field elements in decimal.
type Public struct {
	Entropy     string `json:"entropy"`
	DataSetRoot string `json:"dataSetRoot"`
	SlotIndex   uint64 `json:"slotIndex"`
}

// ProveResponse is the answer of POST /proofs, and a body of POST
// /proofs/verify.
type ProveResponse struct {
	// Proof is the Groth16 proof in snarkjs's JSON layout.
	Proof json.RawMessage `json:"proof"`
	// Public are the proof's public inputs.
	Public Public `json:"public"`
	// Samples is N, which names the verifying key.
	Samples int `json:"samples"`
	// Cells are the sampled cell indices.
	Cells []uint64 `json:"cells,omitempty"`
	// ElapsedMS is the proving time in milliseconds: slot trees (built on
	// the first proof of a dataset), cells and Groth16; not a key setup.
	ElapsedMS int64 `json:"elapsed_ms"`
}

// VerifyResponse is the answer of POST /proofs/verify.
type VerifyResponse struct {
	Valid bool `json:"valid"`
	// Reason says why an invalid proof was rejected.
	Reason string `json:"reason,omitempty"`
}
