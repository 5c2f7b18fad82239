// Package httpapi serves storage proofs over the node's REST API, under
// the storage prefix (/api/storage/v1):
//
//	POST /proofs         {"cid", "slot", "entropy", "samples"} → ProveResponse
//	POST /proofs/verify  ProveResponse (or {"proof", "public", "samples"}) → {"valid"}
//	POST /proofs/input   {"cid", "slot", "entropy", "samples"} → upstream's input.json
//
// cid is the manifest CID of an erasure-coded dataset; entropy a decimal
// field element; samples defaults to 5. The answer of /proofs can be
// posted to /proofs/verify as it is. /proofs/input answers the same
// request with what would be proved, as upstream's circuit input
// (circuit.MarshalInputJSON): with upstream's proof_main.wasm and zkey,
// upstream's tools (snarkjs groth16 fullprove, or its node's prover) make
// from it a proof for upstream's verifier. It needs no keys.
//
// Keys for a sample count are set up on first use into
// <data_dir>/proofs/keys (about 2.5 s for 1 sample, 10 s for 5 on a 2-core
// machine; later runs load them from disk). A request waits for the setup
// up to 30 s; a longer setup (many samples) goes on in the background and
// the request gets 503 with Retry-After. Errors are {"error": …} with 400
// (bad input), 404 (unknown CID), 422 (not erasure-coded, or a block lost
// beyond repair), 503 (keys being set up) or 500.
package httpapi
