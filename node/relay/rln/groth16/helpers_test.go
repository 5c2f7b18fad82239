package groth16

import (
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fp"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln/circuit"
)

// witnessFile is the full RLN witness of the shared vector public-A/msgid-0,
// computed by snarkjs@0.7.6 `wtns calculate` from zerokit's rln.wasm (see
// testdata/SOURCE).
const witnessFile = "testdata/public-A-msgid-0.wtns"

var (
	embeddedOnce sync.Once
	embeddedPK   *ProvingKey
	embeddedErr  error
)

// embeddedKey parses the RLN zkey once per test binary.
func embeddedKey(tb testing.TB) *ProvingKey {
	tb.Helper()
	embeddedOnce.Do(func() { embeddedPK, embeddedErr = ParseZKey(circuit.ZKey()) })
	if embeddedErr != nil {
		tb.Fatalf("ParseZKey(circuit.ZKey()) = %v", embeddedErr)
	}
	return embeddedPK
}

// readWtns reads a snarkjs .wtns file (sections 1: n8, q, nWitness; 2: the
// witness, canonical little-endian).
func readWtns(tb testing.TB, path string) []fr.Element {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read witness: %v", err)
	}
	w, err := decodeWtns(data)
	if err != nil {
		tb.Fatalf("decode witness %s: %v", path, err)
	}
	return w
}

func decodeWtns(data []byte) ([]fr.Element, error) {
	r := reader{b: data}
	if string(r.bytes(4)) != "wtns" {
		return nil, fmt.Errorf("not a wtns file")
	}
	r.u32() // version
	nSec := r.u32()
	var n uint32
	var body []byte
	for range nSec {
		typ, size := r.u32(), r.u64()
		sec := r.bytes(int(size))
		switch typ {
		case 1:
			h := reader{b: sec}
			if h.u32() != 32 || string(h.bytes(32)) != string(frModulusLE[:]) {
				return nil, fmt.Errorf("witness is not over the bn254 scalar field")
			}
			n = h.u32()
		case 2:
			body = sec
		}
	}
	if r.err != nil || len(body) != int(n)*fr.Bytes {
		return nil, fmt.Errorf("malformed wtns (%v)", r.err)
	}
	w := make([]fr.Element, n)
	for i := range w {
		var err error
		if w[i], err = fr.LittleEndian.Element((*[fr.Bytes]byte)(body[i*fr.Bytes:])); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// verify is an independent Groth16 check with pk's verifying key:
// e(A, B) = e(α, β)·e(Σ IC_i·pub_i, γ)·e(C, δ), pub = witness[0..NPublic].
func verify(tb testing.TB, pk *ProvingKey, p Proof, public []fr.Element) bool {
	tb.Helper()
	var l bn254.G1Affine
	if _, err := l.MultiExp(pk.IC, public, ecc.MultiExpConfig{}); err != nil {
		tb.Fatal(err)
	}
	var negA bn254.G1Affine
	negA.Neg(&p.A)
	ok, err := bn254.PairingCheck(
		[]bn254.G1Affine{negA, pk.Alpha1, l, p.C},
		[]bn254.G2Affine{p.B, pk.Beta2, pk.Gamma2, pk.Delta2},
	)
	if err != nil {
		tb.Fatal(err)
	}
	return ok
}

// zkeyFile is the content of a Groth16 zkey, for encodeZKey.
type zkeyFile struct {
	nVars, nPublic, domainSize uint32
	alpha1, beta1, delta1      bn254.G1Affine
	beta2, gamma2, delta2      bn254.G2Affine
	ic, a, b1, c, h            []bn254.G1Affine
	b2                         []bn254.G2Affine
	coefs                      []Coefficient
}

func fileOf(pk *ProvingKey) zkeyFile {
	return zkeyFile{
		nVars: uint32(pk.NVars), nPublic: uint32(pk.NPublic), domainSize: uint32(pk.DomainSize),
		alpha1: pk.Alpha1, beta1: pk.Beta1, delta1: pk.Delta1,
		beta2: pk.Beta2, gamma2: pk.Gamma2, delta2: pk.Delta2,
		ic: pk.IC, a: pk.A, b1: pk.B1, c: pk.C, h: pk.H, b2: pk.B2,
		coefs: pk.Coefficients,
	}
}

// encodeSections writes the nine sections in snarkjs's encoding: elements
// in Montgomery form, coefficients as value·R².
func (z zkeyFile) encodeSections() [numSections + 1][]byte {
	var s [numSections + 1][]byte
	s[secHeader] = binary.LittleEndian.AppendUint32(nil, groth16ProtocolID)
	h := binary.LittleEndian.AppendUint32(nil, 32)
	h = append(h, fpModulusLE[:]...)
	h = binary.LittleEndian.AppendUint32(h, 32)
	h = append(h, frModulusLE[:]...)
	for _, v := range []uint32{z.nVars, z.nPublic, z.domainSize} {
		h = binary.LittleEndian.AppendUint32(h, v)
	}
	h = appendG1(h, &z.alpha1)
	h = appendG1(h, &z.beta1)
	h = appendG2(h, &z.beta2)
	h = appendG2(h, &z.gamma2)
	h = appendG1(h, &z.delta1)
	h = appendG2(h, &z.delta2)
	s[secGroth16Header] = h
	for sec, pts := range map[int][]bn254.G1Affine{secIC: z.ic, secA: z.a, secB1: z.b1, secC: z.c, secH: z.h} {
		var b []byte
		for i := range pts {
			b = appendG1(b, &pts[i])
		}
		s[sec] = b
	}
	var b2 []byte
	for i := range z.b2 {
		b2 = appendG2(b2, &z.b2[i])
	}
	s[secB2] = b2
	var rr fr.Element // R as a field value: limbs R² mod r
	rr.SetBigInt(new(big.Int).Lsh(big.NewInt(1), 256))
	c := binary.LittleEndian.AppendUint32(nil, uint32(len(z.coefs)))
	for _, k := range z.coefs {
		c = binary.LittleEndian.AppendUint32(c, uint32(k.Matrix))
		c = binary.LittleEndian.AppendUint32(c, k.Constraint)
		c = binary.LittleEndian.AppendUint32(c, k.Signal)
		var v fr.Element
		v.Mul(&k.Value, &rr) // limbs = value·R·R
		for _, l := range v {
			c = binary.LittleEndian.AppendUint64(c, l)
		}
	}
	s[secCoefs] = c
	return s
}

// encode writes a version-1 zkey with sections 1..9 in order.
func (z zkeyFile) encode() []byte {
	return container(z.encodeSections(), nil)
}

// container writes the binfile: magic, version 1, the sections in order
// (the section numbers in order, or 1..9 when order is nil; a number
// past 9 gets a filler body).
func container(s [numSections + 1][]byte, order []int) []byte {
	if order == nil {
		order = []int{1, 2, 3, 4, 5, 6, 7, 8, 9}
	}
	out := []byte("zkey")
	out = binary.LittleEndian.AppendUint32(out, 1)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(order)))
	for _, typ := range order {
		body := []byte("other section") // a type ParseZKey ignores
		if typ < len(s) {
			body = s[typ]
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(typ))
		out = binary.LittleEndian.AppendUint64(out, uint64(len(body)))
		out = append(out, body...)
	}
	return out
}

func appendFp(b []byte, e *fp.Element) []byte {
	for _, l := range e { // gnark-crypto limbs are the Montgomery form
		b = binary.LittleEndian.AppendUint64(b, l)
	}
	return b
}

func appendG1(b []byte, p *bn254.G1Affine) []byte {
	return appendFp(appendFp(b, &p.X), &p.Y)
}

func appendG2(b []byte, p *bn254.G2Affine) []byte {
	for _, e := range []*fp.Element{&p.X.A0, &p.X.A1, &p.Y.A0, &p.Y.A1} {
		b = appendFp(b, e)
	}
	return b
}

// sectionsOf splits a zkey container without validation, for tests that
// compare or mutate sections.
func sectionsOf(tb testing.TB, data []byte) map[int][]byte {
	tb.Helper()
	r := reader{b: data}
	r.bytes(12)
	out := map[int][]byte{}
	for len(r.b) > 0 && r.err == nil {
		typ, size := r.u32(), r.u64()
		out[int(typ)] = r.bytes(int(size))
	}
	if r.err != nil {
		tb.Fatalf("split zkey: %v", r.err)
	}
	return out
}
