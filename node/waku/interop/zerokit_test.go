package interop

import (
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// zkeyPath is the proving key embedded in the binary; zerokit builds its
// context (and verifying key) from the same file.
const zkeyPath = "../../relay/rln/circuit/rln_final.zkey"

// zerokitVerify asks zerokit to verify a verify input against roots.
func zerokitVerify(t *testing.T, verifyInput []byte, roots ...fr.Element) (bool, string) {
	t.Helper()
	req := map[string]any{"op": "verify", "verify_input_hex": hex.EncodeToString(verifyInput)}
	var rs []string
	for _, r := range roots {
		var b [fr.Bytes]byte
		fr.LittleEndian.PutElement(&b, r)
		rs = append(rs, hex.EncodeToString(b[:]))
	}
	req["roots_hex"] = rs
	body, _ := json.Marshal(req)
	zkey, err := filepath.Abs(zkeyPath)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Valid *bool  `json:"valid"`
		Error string `json:"error"`
	}
	runNode(t, 2*time.Minute, "zerokit.mjs", body, &out, zkey)
	if out.Valid == nil {
		return false, out.Error
	}
	return *out.Valid, out.Error
}

// TestZerokitVerifiesCairnProofs: proofs that Cairn's own prover makes (Go
// witness from graph.bin, Groth16 through accel MSMs) are accepted by
// zerokit's verifier, the one js-waku runs; a proof bound to another
// signal, or checked against another root, is refused.
func TestZerokitVerifiesCairnProofs(t *testing.T) {
	jsDir(t)
	// A fresh member in a fresh tree, not a vector: nothing here was made
	// by zerokit.
	id, err := rln.GenerateIdentity()
	if err != nil {
		t.Fatal(err)
	}
	const limit, index = 10, 5
	tree := rln.NewTree()
	if err := tree.Set(index, rln.RateCommitment(id.Commitment, limit)); err != nil {
		t.Fatal(err)
	}
	path, err := tree.Proof(index)
	if err != nil {
		t.Fatal(err)
	}
	rlnID, err := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	if err != nil {
		t.Fatal(err)
	}
	prover, err := rln.NewProver()
	if err != nil {
		t.Fatal(err)
	}
	signal := []byte("cairn proof for zerokit")
	in := rln.ProveInput{
		IdentitySecret: id.SecretHash, UserMessageLimit: limit, MessageID: 3, Path: path,
		Signal: signal, ExternalNullifier: rln.ExternalNullifier(rln.EpochField(2900000), rlnID),
	}
	pv, err := prover.Prove(in)
	if err != nil {
		t.Fatal(err)
	}
	root := tree.Root()
	if ok, msg := zerokitVerify(t, rln.EncodeVerifyInput(pv, signal), root); !ok {
		t.Fatalf("zerokit rejected Cairn's proof: %s", msg)
	}
	if ok, _ := zerokitVerify(t, rln.EncodeVerifyInput(pv, []byte("another signal")), root); ok {
		t.Error("zerokit accepted Cairn's proof with another signal")
	}
	var other fr.Element
	other.SetUint64(42)
	if ok, _ := zerokitVerify(t, rln.EncodeVerifyInput(pv, signal), other); ok {
		t.Error("zerokit accepted Cairn's proof against another root")
	}
}
