package sigbatch_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/oasisprotocol/curve25519-voi/primitives/ed25519"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sigbatch"
)

// vector is one upstream test case as an item and its expected answer.
type vector struct {
	name  string
	item  sigbatch.Item
	valid bool
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("testdata hex %q: %v", s, err)
	}
	return b
}

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// rfc8032Vectors returns RFC 8032 §7.1 (all valid) and, for each, the
// signature with one bit of S flipped and the message with one more byte
// (both invalid).
func rfc8032Vectors(t *testing.T) []vector {
	var file []struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
		Message   string `json:"message"`
		Signature string `json:"signature"`
	}
	readJSON(t, "rfc8032_ed25519.json", &file)
	var out []vector
	for _, c := range file {
		it := sigbatch.Item{Scheme: sigbatch.Ed25519, PublicKey: unhex(t, c.PublicKey), Message: unhex(t, c.Message), Signature: unhex(t, c.Signature)}
		out = append(out, vector{"RFC 8032 " + c.Name, it, true})
		flipped := it
		flipped.Signature = slices.Clone(it.Signature)
		flipped.Signature[40] ^= 1
		out = append(out, vector{"RFC 8032 " + c.Name + " S bit flipped", flipped, false})
		longer := it
		longer.Message = append(slices.Clone(it.Message), 0)
		out = append(out, vector{"RFC 8032 " + c.Name + " message extended", longer, false})
	}
	return out
}

// zip215Vectors returns the ZIP-215 vectors: small-order and non-canonical
// keys and R values, all valid under ZIP-215, where cofactorless or strict
// verifiers disagree with batch equations.
func zip215Vectors(t *testing.T) []vector {
	var file [][2]string
	readJSON(t, "zip215_ed25519.json", &file)
	var out []vector
	for i, c := range file {
		it := sigbatch.Item{Scheme: sigbatch.Ed25519, PublicKey: unhex(t, c[0]), Message: []byte("Zcash"), Signature: unhex(t, c[1])}
		out = append(out, vector{fmt.Sprintf("ZIP-215 vector %d", i), it, true})
	}
	return out
}

// wycheproofFile is the part of a Wycheproof signature file the tests read.
type wycheproofFile struct {
	Algorithm  string `json:"algorithm"`
	TestGroups []struct {
		Ciphersuite string `json:"ciphersuite"`
		PublicKey   struct {
			PK           string `json:"pk"`
			Uncompressed string `json:"uncompressed"`
		} `json:"publicKey"`
		Sha   string `json:"sha"`
		Tests []struct {
			TcID    int    `json:"tcId"`
			Comment string `json:"comment"`
			Msg     string `json:"msg"`
			Sig     string `json:"sig"`
			Result  string `json:"result"`
		} `json:"tests"`
	} `json:"testGroups"`
}

func wycheproofVectors(t *testing.T, name string, s sigbatch.Scheme) []vector {
	var f wycheproofFile
	readJSON(t, name, &f)
	var out []vector
	for _, g := range f.TestGroups {
		pk := g.PublicKey.PK
		if s == sigbatch.Secp256k1 {
			pk = g.PublicKey.Uncompressed
			if g.Sha != "SHA-256" {
				t.Fatalf("%s: group hash %s, want SHA-256", name, g.Sha)
			}
		} else if g.Ciphersuite != sigbatch.BLSDST {
			t.Fatalf("%s: ciphersuite %s, want %s", name, g.Ciphersuite, sigbatch.BLSDST)
		}
		for _, c := range g.Tests {
			if c.Result == "acceptable" {
				continue // either answer conforms
			}
			it := sigbatch.Item{Scheme: s, PublicKey: unhex(t, pk), Message: unhex(t, c.Msg), Signature: unhex(t, c.Sig)}
			out = append(out, vector{fmt.Sprintf("%s tcId %d (%s)", name, c.TcID, c.Comment), it, c.Result == "valid"})
		}
	}
	if len(out) < 20 {
		t.Fatalf("%s: only %d vectors", name, len(out))
	}
	return out
}

// compressedSecp256k1 returns the valid secp256k1 vectors again with their
// keys in 33-byte compressed form.
func compressedSecp256k1(t *testing.T, vs []vector) []vector {
	var out []vector
	for _, v := range vs {
		if !v.valid {
			continue
		}
		pk, err := secp256k1.ParsePubKey(v.item.PublicKey)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		c := v
		c.name += " (compressed key)"
		c.item.PublicKey = pk.SerializeCompressed()
		out = append(out, c)
	}
	return out
}

// TestVectors checks every upstream vector alone, and all of them in one
// mixed batch, where exactly the invalid ones must be reported.
func TestVectors(t *testing.T) {
	secp := wycheproofVectors(t, "wycheproof_ecdsa_secp256k1_sha256_p1363_test.json", sigbatch.Secp256k1)
	sets := map[string][]vector{
		"rfc8032":    rfc8032Vectors(t),
		"zip215":     zip215Vectors(t),
		"bls-pop":    wycheproofVectors(t, "wycheproof_bls_sig_g2_pop_verify_test.json", sigbatch.BLS12381),
		"secp256k1":  secp,
		"compressed": compressedSecp256k1(t, secp),
	}
	v, err := sigbatch.New(accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	var all []vector
	for name, vs := range sets {
		t.Run(name, func(t *testing.T) {
			for _, c := range vs {
				r, err := v.Verify([]sigbatch.Item{c.item})
				if err != nil || r.OK[0] != c.valid {
					t.Errorf("%s: Verify = %v, %v, want %v", c.name, r.OK, err, c.valid)
				}
			}
			checkBatch(t, v, vs)
		})
		all = append(all, vs...)
	}
	t.Run("all", func(t *testing.T) { checkBatch(t, v, all) })
}

// checkBatch verifies vs as one batch and compares the failed indices.
func checkBatch(t *testing.T, v sigbatch.Verifier, vs []vector) {
	t.Helper()
	items := make([]sigbatch.Item, len(vs))
	want := []int{}
	for i, c := range vs {
		items[i] = c.item
		if !c.valid {
			want = append(want, i)
		}
	}
	r, err := v.Verify(items)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.Failed, want) {
		for i := range vs {
			if r.OK[i] != vs[i].valid {
				t.Errorf("in a batch of %d: %s = %v, want %v", len(vs), vs[i].name, r.OK[i], vs[i].valid)
			}
		}
	}
}

// TestEd25519SingleAgrees checks the ZIP-215 choice: curve25519-voi's
// single verification with VerifyOptionsZIP_215 gives every Ed25519 vector
// the answer the kernel's batch equation gives.
func TestEd25519SingleAgrees(t *testing.T) {
	opts := &ed25519.Options{Verify: ed25519.VerifyOptionsZIP_215}
	for _, c := range append(rfc8032Vectors(t), zip215Vectors(t)...) {
		if got := ed25519.VerifyWithOptions(c.item.PublicKey, c.item.Message, c.item.Signature, opts); got != c.valid {
			t.Errorf("%s: single ZIP-215 verification = %v, want %v", c.name, got, c.valid)
		}
	}
}
