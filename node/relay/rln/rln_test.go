package rln_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

type vector struct {
	ID                  string     `json:"id"`
	ProofCompressedHex  string     `json:"proof_compressed_hex"`
	ProofValuesHex      string     `json:"proof_values_hex"`
	PublicSignals       []string   `json:"public_signals_snarkjs_order"`
	ExpectValid         bool       `json:"expect_valid"`
	MerkleRootLE        string     `json:"merkle_root_le_hex"`
	ExternalNullifierLE string     `json:"external_nullifier_le_hex"`
	XLE                 string     `json:"x_le_hex"`
	YLE                 string     `json:"y_le_hex"`
	NullifierLE         string     `json:"nullifier_le_hex"`
	Affine              affineJSON `json:"proof_affine_snarkjs"`
}

type affineJSON struct {
	A []string   `json:"pi_a"`
	B [][]string `json:"pi_b"`
	C []string   `json:"pi_c"`
}

type negative struct {
	ID             string `json:"id"`
	Tamper         string `json:"tamper"`
	ProofValuesHex string `json:"proof_values_hex"`
	Groth16Expect  string `json:"groth16_expect"`
}

type vectorFile struct {
	Vectors   []vector   `json:"vectors"`
	Negatives []negative `json:"negatives"`
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) == 0 || len(f.Negatives) == 0 {
		t.Fatal("testdata/vectors.json has no vectors")
	}
	return f
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decString(t testing.TB, e interface{ BigInt(*big.Int) *big.Int }) string {
	t.Helper()
	var b big.Int
	e.BigInt(&b)
	return b.String()
}

func TestDefaultVerifyingKey(t *testing.T) {
	vk := rln.DefaultVerifyingKey()
	if len(vk.IC) != rln.NumPublicInputs+1 {
		t.Fatalf("len(IC) = %d, want %d", len(vk.IC), rln.NumPublicInputs+1)
	}
	// Known first coordinate of vk_alpha_1 from verification_key.json.
	if got, want := decString(t, &vk.Alpha.X), "20491192805390485299153009773594534940189261866228447918068658471970481763042"; got != want {
		t.Errorf("Alpha.X = %s, want %s", got, want)
	}
}

func TestParseVerifyingKeyRejectsSwappedG2(t *testing.T) {
	data, err := os.ReadFile("verification_key.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	beta := m["vk_beta_2"].([]any)
	x := beta[0].([]any)
	x[0], x[1] = x[1], x[0]
	swapped, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rln.ParseVerifyingKey(swapped); err == nil {
		t.Errorf("ParseVerifyingKey(beta with c0, c1 swapped) = nil error, want error")
	}
}

// TestDecodeMatchesSnarkjs checks the arkworks decoding against the affine
// coordinates snarkjs reports for the same proof (an independent encoder).
func TestDecodeMatchesSnarkjs(t *testing.T) {
	for _, v := range loadVectors(t).Vectors {
		t.Run(v.ID, func(t *testing.T) {
			p, err := rln.DecodeCompressed(mustHex(t, v.ProofCompressedHex))
			if err != nil {
				t.Fatalf("DecodeCompressed = %v", err)
			}
			checks := []struct {
				name string
				got  interface{ BigInt(*big.Int) *big.Int }
				want string
			}{
				{"A.x", &p.A.X, v.Affine.A[0]}, {"A.y", &p.A.Y, v.Affine.A[1]},
				{"B.x.c0", &p.B.X.A0, v.Affine.B[0][0]}, {"B.x.c1", &p.B.X.A1, v.Affine.B[0][1]},
				{"B.y.c0", &p.B.Y.A0, v.Affine.B[1][0]}, {"B.y.c1", &p.B.Y.A1, v.Affine.B[1][1]},
				{"C.x", &p.C.X, v.Affine.C[0]}, {"C.y", &p.C.Y, v.Affine.C[1]},
			}
			for _, c := range checks {
				if got := decString(t, c.got); got != c.want {
					t.Errorf("%s = %s, want %s", c.name, got, c.want)
				}
			}
			enc := p.EncodeCompressed()
			if !bytes.Equal(enc[:], mustHex(t, v.ProofCompressedHex)) {
				t.Errorf("EncodeCompressed() = %x, want %s", enc, v.ProofCompressedHex)
			}
		})
	}
}

func TestVerifyUpstreamProofs(t *testing.T) {
	vk := rln.DefaultVerifyingKey()
	for _, v := range loadVectors(t).Vectors {
		t.Run(v.ID, func(t *testing.T) {
			raw := mustHex(t, v.ProofValuesHex)
			pv, err := rln.DecodeProofValues(raw)
			if err != nil {
				t.Fatalf("DecodeProofValues = %v", err)
			}
			if got := pv.Encode(); !bytes.Equal(got, raw) {
				t.Errorf("Encode() = %x, want %x", got, raw)
			}
			// Public inputs must match snarkjs' public signals, in order.
			in := pv.PublicInputs()
			for i, want := range v.PublicSignals {
				if got := decString(t, &in[i]); got != want {
					t.Errorf("PublicInputs()[%d] = %s, want %s", i, got, want)
				}
			}
			{
				for _, c := range []struct {
					name string
					e    *fr.Element
					le   string
				}{
					{"root", &pv.Root, v.MerkleRootLE}, {"external_nullifier", &pv.ExternalNullifier, v.ExternalNullifierLE},
					{"x", &pv.X, v.XLE}, {"y", &pv.Y, v.YLE}, {"nullifier", &pv.Nullifier, v.NullifierLE},
				} {
					if c.le == "" {
						continue // the snarkjs-made vector lists only its public signals
					}
					want, err := rln.DecodeField(mustHex(t, c.le))
					if err != nil {
						t.Fatal(err)
					}
					if !c.e.Equal(&want) {
						t.Errorf("%s = %s, want %s", c.name, c.e.String(), want.String())
					}
				}
			}
			ok, err := rln.Verify(vk, pv.Proof, in)
			if err != nil || ok != v.ExpectValid {
				t.Errorf("Verify(%s) = %v, %v, want %v, nil", v.ID, ok, err, v.ExpectValid)
			}
		})
	}
}

func TestUpstreamNegatives(t *testing.T) {
	vk := rln.DefaultVerifyingKey()
	for _, n := range loadVectors(t).Negatives {
		t.Run(n.ID, func(t *testing.T) {
			pv, err := rln.DecodeProofValues(mustHex(t, n.ProofValuesHex))
			if n.Groth16Expect == "decode-error" {
				if !errors.Is(err, rln.ErrInvalidProof) {
					t.Fatalf("DecodeProofValues(%s) = %v, want ErrInvalidProof", n.Tamper, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeProofValues(%s) = %v", n.Tamper, err)
			}
			ok, err := rln.Verify(vk, pv.Proof, pv.PublicInputs())
			if want := n.Groth16Expect == "true"; err != nil || ok != want {
				t.Errorf("Verify(%s) = %v, %v, want %v, nil", n.Tamper, ok, err, want)
			}
		})
	}
}

func validProofValues(t testing.TB) []byte {
	t.Helper()
	return mustHex(t, loadVectors(t).Vectors[0].ProofValuesHex)
}

func TestTampered(t *testing.T) {
	vk := rln.DefaultVerifyingKey()
	base := validProofValues(t)
	pv, err := rln.DecodeProofValues(base)
	if err != nil {
		t.Fatal(err)
	}
	in := pv.PublicInputs()

	t.Run("swap-inputs", func(t *testing.T) {
		for i := 0; i < rln.NumPublicInputs; i++ {
			for j := i + 1; j < rln.NumPublicInputs; j++ {
				s := in
				s[i], s[j] = s[j], s[i]
				if ok, err := rln.Verify(vk, pv.Proof, s); ok || err != nil {
					t.Errorf("Verify(inputs %d<->%d swapped) = %v, %v, want false, nil", i, j, ok, err)
				}
			}
		}
	})
	t.Run("input-plus-one", func(t *testing.T) {
		var one fr.Element
		one.SetOne()
		for i := range in {
			s := in
			s[i].Add(&s[i], &one)
			if ok, err := rln.Verify(vk, pv.Proof, s); ok || err != nil {
				t.Errorf("Verify(input %d + 1) = %v, %v, want false, nil", i, ok, err)
			}
		}
	})
	t.Run("field-swap-in-encoding", func(t *testing.T) {
		// Swap root and x in the wire bytes.
		b := bytes.Clone(base)
		root := bytes.Clone(b[128:160])
		copy(b[128:160], b[192:224])
		copy(b[192:224], root)
		p, err := rln.DecodeProofValues(b)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := rln.Verify(vk, p.Proof, p.PublicInputs()); ok || err != nil {
			t.Errorf("Verify(root and x swapped) = %v, %v, want false, nil", ok, err)
		}
	})
	// Flip each bit of A, B and C: the result either fails to decode with
	// ErrInvalidProof or decodes to another valid point that fails to verify.
	t.Run("flip-proof-bits", func(t *testing.T) {
		for i := 0; i < rln.CompressedProofSize; i++ {
			for _, mask := range []byte{0x01, 0x80, 0x40} {
				b := bytes.Clone(base[:rln.CompressedProofSize])
				b[i] ^= mask
				p, err := rln.DecodeCompressed(b)
				if err != nil {
					if !errors.Is(err, rln.ErrInvalidProof) {
						t.Errorf("DecodeCompressed(byte %d ^ %#x) = %v, want ErrInvalidProof", i, mask, err)
					}
					continue
				}
				if ok, err := rln.Verify(vk, p, in); ok || err != nil {
					t.Errorf("Verify(byte %d ^ %#x) = %v, %v, want false, nil", i, mask, ok, err)
				}
			}
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	base := validProofValues(t)
	// x = 0 gives y² = 3, a non-square mod p: no G1 point has x = 0.
	offCurveG1 := make([]byte, 32)
	p := fpModulusLE()
	tests := []struct {
		name string
		mod  func(b []byte)
	}{
		{"A-off-curve", func(b []byte) { copy(b[0:32], offCurveG1) }},
		{"C-off-curve", func(b []byte) { copy(b[96:128], offCurveG1) }},
		{"B-off-twist", func(b []byte) {
			// x = 5 + 0·u: x³ + b' is a non-square in Fp2, so no
			// point on the twist has this x.
			clear(b[32:96])
			b[32] = 5
		}},
		{"A-both-flags", func(b []byte) { b[31] |= 0xc0 }},
		{"A-x-not-canonical", func(b []byte) { copy(b[0:32], p); b[31] &^= 0xc0 }},
		{"A-infinity-nonzero-x", func(b []byte) { b[31] = (b[31] &^ 0xc0) | 0x40 }},
		{"B-c0-not-canonical", func(b []byte) { copy(b[32:64], p) }},
		{"root-not-canonical", func(b []byte) { copy(b[128:160], p); b[159] = 0xff }},
		{"nullifier-not-canonical", func(b []byte) { copy(b[256:288], frModulusLE()) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bytes.Clone(base)
			tc.mod(b)
			_, err := rln.DecodeProofValues(b)
			if !errors.Is(err, rln.ErrInvalidProof) {
				t.Errorf("DecodeProofValues(%s) = %v, want ErrInvalidProof", tc.name, err)
			}
		})
	}
	for _, n := range []int{0, 1, 127, 129, 287, 289} {
		if _, err := rln.DecodeProofValues(make([]byte, n)); !errors.Is(err, rln.ErrInvalidProof) {
			t.Errorf("DecodeProofValues(%d zero bytes) = %v, want ErrInvalidProof", n, err)
		}
	}
}

// TestDecodeG2OutsideSubgroup feeds x coordinates that lie on the twist
// but (with overwhelming probability, the cofactor being ~2²⁵⁴) outside the
// order-r subgroup; decoding must fail.
func TestDecodeG2OutsideSubgroup(t *testing.T) {
	base := validProofValues(t)[:rln.CompressedProofSize]
	// b' = 3 / (9 + u), the BN254 twist coefficient.
	var bTwist, xi bn254.E2
	var three fp.Element
	three.SetUint64(3)
	xi.A0.SetUint64(9)
	xi.A1.SetOne()
	bTwist.Inverse(&xi).MulByElement(&bTwist, &three)
	onTwist := 0
	for k := uint64(1); k <= 40; k++ {
		var x, rhs bn254.E2
		x.A0.SetUint64(k)
		rhs.Square(&x).Mul(&rhs, &x).Add(&rhs, &bTwist)
		if rhs.Legendre() != 1 {
			continue
		}
		onTwist++
		b := bytes.Clone(base)
		clear(b[32:96])
		b[32] = byte(k)
		if _, err := rln.DecodeCompressed(b); !errors.Is(err, rln.ErrInvalidProof) {
			t.Errorf("DecodeCompressed(B.x = %d, on the twist) = %v, want ErrInvalidProof", k, err)
		}
	}
	if onTwist == 0 {
		t.Fatal("no small x on the twist; test is vacuous")
	}
}

func TestVerifyRejectsOffCurvePoint(t *testing.T) {
	vk := rln.DefaultVerifyingKey()
	pv, err := rln.DecodeProofValues(validProofValues(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := pv.Proof
	bad.A.Y.SetOne() // (A.x, 1) is not on the curve
	if ok, err := rln.Verify(vk, bad, pv.PublicInputs()); ok || !errors.Is(err, rln.ErrInvalidProof) {
		t.Errorf("Verify(A off curve) = %v, %v, want false, ErrInvalidProof", ok, err)
	}
}

func TestInfinityRoundTrip(t *testing.T) {
	b := make([]byte, rln.CompressedProofSize)
	b[31], b[95], b[127] = 0x40, 0x40, 0x40
	p, err := rln.DecodeCompressed(b)
	if err != nil {
		t.Fatalf("DecodeCompressed(all infinity) = %v", err)
	}
	if !p.A.IsInfinity() || !p.B.IsInfinity() || !p.C.IsInfinity() {
		t.Errorf("DecodeCompressed(all infinity) = %+v, want points at infinity", p)
	}
	if enc := p.EncodeCompressed(); !bytes.Equal(enc[:], b) {
		t.Errorf("EncodeCompressed() = %x, want %x", enc, b)
	}
	if ok, err := rln.Verify(rln.DefaultVerifyingKey(), p, [rln.NumPublicInputs]fr.Element{}); ok || err != nil {
		t.Errorf("Verify(infinity proof) = %v, %v, want false, nil", ok, err)
	}
}

func TestBatchVerify(t *testing.T) {
	vk := rln.DefaultVerifyingKey()
	f := loadVectors(t)
	var items []rln.BatchItem
	var want []bool
	for _, v := range f.Vectors {
		pv, err := rln.DecodeProofValues(mustHex(t, v.ProofValuesHex))
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, rln.BatchItem{Proof: pv.Proof, PublicInputs: pv.PublicInputs()})
		want = append(want, true)
	}
	for _, n := range f.Negatives {
		pv, err := rln.DecodeProofValues(mustHex(t, n.ProofValuesHex))
		if err != nil {
			continue
		}
		items = append(items, rln.BatchItem{Proof: pv.Proof, PublicInputs: pv.PublicInputs()})
		want = append(want, n.Groth16Expect == "true")
	}
	// An item with an off-curve point is reported false without error.
	bad := items[0]
	bad.Proof.C.Y.SetOne()
	items = append(items, bad)
	want = append(want, false)
	// Repeat so that bisection has something to do.
	items = append(items, items...)
	want = append(want, want...)

	got, err := rln.BatchVerify(vk, items)
	if err != nil {
		t.Fatalf("BatchVerify = %v", err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("BatchVerify()[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	// All valid: one combined check.
	got, err = rln.BatchVerify(vk, items[:len(f.Vectors)])
	if err != nil {
		t.Fatalf("BatchVerify(valid) = %v", err)
	}
	for i, ok := range got {
		if !ok {
			t.Errorf("BatchVerify(valid)[%d] = false, want true", i)
		}
	}
	if got, err := rln.BatchVerify(vk, nil); err != nil || len(got) != 0 {
		t.Errorf("BatchVerify(nil) = %v, %v, want [], nil", got, err)
	}
}

func fpModulusLE() []byte {
	// BN254 base field modulus p, little-endian.
	p, _ := new(big.Int).SetString("21888242871839275222246405745257275088696311157297823662689037894645226208583", 10)
	return leBytes(p)
}

func frModulusLE() []byte {
	return leBytes(fr.Modulus())
}

func leBytes(v *big.Int) []byte {
	be := v.FillBytes(make([]byte, 32))
	for i, j := 0, 31; i < j; i, j = i+1, j-1 {
		be[i], be[j] = be[j], be[i]
	}
	return be
}

func FuzzDecodeCompressed(f *testing.F) {
	base := validProofValues(f)
	f.Add(base[:rln.CompressedProofSize])
	f.Add(make([]byte, rln.CompressedProofSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := rln.DecodeCompressed(b)
		if err != nil {
			if !errors.Is(err, rln.ErrInvalidProof) {
				t.Fatalf("DecodeCompressed error %v does not wrap ErrInvalidProof", err)
			}
			return
		}
		if enc := p.EncodeCompressed(); !bytes.Equal(enc[:], b) {
			t.Fatalf("EncodeCompressed(DecodeCompressed(%x)) = %x", b, enc)
		}
	})
}

func FuzzDecodeProofValues(f *testing.F) {
	f.Add(validProofValues(f))
	f.Add(make([]byte, rln.ProofValuesSize))
	vk := rln.DefaultVerifyingKey()
	f.Fuzz(func(t *testing.T, b []byte) {
		pv, err := rln.DecodeProofValues(b)
		if err != nil {
			if !errors.Is(err, rln.ErrInvalidProof) {
				t.Fatalf("DecodeProofValues error %v does not wrap ErrInvalidProof", err)
			}
			return
		}
		if enc := pv.Encode(); !bytes.Equal(enc, b) {
			t.Fatalf("Encode(DecodeProofValues(%x)) = %x", b, enc)
		}
		if _, err := rln.Verify(vk, pv.Proof, pv.PublicInputs()); err != nil {
			t.Fatalf("Verify(decoded proof) = %v, want nil error", err)
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	vk := rln.DefaultVerifyingKey()
	pv, err := rln.DecodeProofValues(validProofValues(b))
	if err != nil {
		b.Fatal(err)
	}
	in := pv.PublicInputs()
	b.ResetTimer()
	for b.Loop() {
		if ok, err := rln.Verify(vk, pv.Proof, in); !ok || err != nil {
			b.Fatal("Verify failed")
		}
	}
}

func BenchmarkDecodeProofValues(b *testing.B) {
	raw := validProofValues(b)
	for b.Loop() {
		if _, err := rln.DecodeProofValues(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBatchVerify64(b *testing.B) { benchBatchVerify(b, 64) }

func BenchmarkBatchVerify512(b *testing.B) { benchBatchVerify(b, 512) }

func benchBatchVerify(b *testing.B, size int) {
	vk := rln.DefaultVerifyingKey()
	f := loadVectors(b)
	var items []rln.BatchItem
	for len(items) < size {
		for _, v := range f.Vectors {
			pv, err := rln.DecodeProofValues(mustHex(b, v.ProofValuesHex))
			if err != nil {
				b.Fatal(err)
			}
			items = append(items, rln.BatchItem{Proof: pv.Proof, PublicInputs: pv.PublicInputs()})
		}
	}
	items = items[:size]
	b.ResetTimer()
	for b.Loop() {
		if _, err := rln.BatchVerify(vk, items); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(size), "ns/proof")
}
