package rln_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

type rlpVector struct {
	ID          string `json:"id"`
	WakuMessage struct {
		PayloadHex   string `json:"payload_hex"`
		ContentTopic string `json:"content_topic"`
		TimestampNs  string `json:"timestamp_ns"`
	} `json:"waku_message"`
	SignalHex            string `json:"signal_hex"`
	ProofCompressedHex   string `json:"proof_compressed_hex"`
	MerkleRootLE         string `json:"merkle_root_le_hex"`
	EpochNumber          uint64 `json:"epoch_number"`
	EpochBytes32         string `json:"epoch_bytes32_hex"`
	ShareXLE             string `json:"share_x_le_hex"`
	ShareYLE             string `json:"share_y_le_hex"`
	NullifierLE          string `json:"nullifier_le_hex"`
	RLNIdentifierBytes32 string `json:"rln_identifier_bytes32_hex"`
	ExternalNullifierLE  string `json:"external_nullifier_le_hex"`
	ProofValuesHex       string `json:"proof_values_hex"`
	RateLimitProofHex    string `json:"rate_limit_proof_hex"`
}

func loadRLPVectors(t testing.TB) []rlpVector {
	t.Helper()
	data, err := os.ReadFile("testdata/ratelimitproof-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors []rlpVector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) == 0 {
		t.Fatal("testdata/ratelimitproof-vectors.json has no vectors")
	}
	return f.Vectors
}

func rlpHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rlpFromVector fills a RateLimitProof from the vector's separate values.
func rlpFromVector(t testing.TB, v rlpVector) rln.RateLimitProof {
	t.Helper()
	var p rln.RateLimitProof
	for _, c := range []struct {
		dst []byte
		hex string
	}{
		{p.Proof[:], v.ProofCompressedHex},
		{p.MerkleRoot[:], v.MerkleRootLE},
		{p.Epoch[:], v.EpochBytes32},
		{p.ShareX[:], v.ShareXLE},
		{p.ShareY[:], v.ShareYLE},
		{p.Nullifier[:], v.NullifierLE},
		{p.RLNIdentifier[:], v.RLNIdentifierBytes32},
	} {
		b := rlpHex(t, c.hex)
		if len(b) != len(c.dst) {
			t.Fatalf("vector value %s is %d bytes, want %d", c.hex, len(b), len(c.dst))
		}
		copy(c.dst, b)
	}
	return p
}

// nwakuEncode writes p the way nwaku's RateLimitProof.encode does, spelled
// out byte by byte: key (field<<3 | 2), length varint, value, for fields 1..7.
func nwakuEncode(p *rln.RateLimitProof) []byte {
	var b []byte
	b = append(b, 0x0a, 0x80, 0x01) // field 1, 128 bytes
	b = append(b, p.Proof[:]...)
	for i, f := range [][]byte{p.MerkleRoot[:], p.Epoch[:], p.ShareX[:], p.ShareY[:], p.Nullifier[:], p.RLNIdentifier[:]} {
		b = append(b, byte((i+2)<<3|2), 0x20)
		b = append(b, f...)
	}
	return b
}

// signalOf builds nwaku's toRLNSignal: payload ‖ content_topic ‖ timestamp (u64 LE).
func signalOf(t testing.TB, v rlpVector) []byte {
	t.Helper()
	ts, err := strconv.ParseInt(v.WakuMessage.TimestampNs, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	s := append(rlpHex(t, v.WakuMessage.PayloadHex), v.WakuMessage.ContentTopic...)
	return binary.LittleEndian.AppendUint64(s, uint64(ts))
}

func TestRateLimitProofGolden(t *testing.T) {
	vk := rln.DefaultVerifyingKey()
	for _, v := range loadRLPVectors(t) {
		t.Run(v.ID, func(t *testing.T) {
			want := rlpHex(t, v.RateLimitProofHex)
			if len(want) != rln.RateLimitProofSize {
				t.Fatalf("golden is %d bytes, want %d", len(want), rln.RateLimitProofSize)
			}
			p := rlpFromVector(t, v)
			if got := nwakuEncode(&p); !bytes.Equal(got, want) {
				t.Fatalf("nwaku encoding = %x, golden %x", got, want)
			}
			if got := p.Encode(); !bytes.Equal(got, want) {
				t.Errorf("Encode() = %x, want %x", got, want)
			}
			dec, err := rln.DecodeRateLimitProof(want)
			if err != nil {
				t.Fatalf("DecodeRateLimitProof = %v", err)
			}
			if dec != p {
				t.Errorf("DecodeRateLimitProof = %+v, want %+v", dec, p)
			}
			if eb := rln.EpochBytes(v.EpochNumber); !bytes.Equal(dec.Epoch[:], eb[:]) {
				t.Errorf("Epoch = %x, want EpochBytes(%d) = %x", dec.Epoch, v.EpochNumber, eb)
			}
			var id [rln.FieldSize]byte
			copy(id[:], rln.DefaultRLNIdentifier)
			if dec.RLNIdentifier != id {
				t.Errorf("RLNIdentifier = %x, want %q zero-padded", dec.RLNIdentifier, rln.DefaultRLNIdentifier)
			}

			pv, err := dec.ProofValues()
			if err != nil {
				t.Fatalf("ProofValues = %v", err)
			}
			if got, want := pv.Encode(), rlpHex(t, v.ProofValuesHex); !bytes.Equal(got, want) {
				t.Errorf("ProofValues().Encode() = %x, want zerokit's %x", got, want)
			}
			en, err := rln.DecodeField(rlpHex(t, v.ExternalNullifierLE))
			if err != nil {
				t.Fatal(err)
			}
			if !pv.ExternalNullifier.Equal(&en) {
				t.Errorf("external nullifier = %s, want %s", pv.ExternalNullifier.String(), en.String())
			}

			signal := signalOf(t, v)
			if !bytes.Equal(signal, rlpHex(t, v.SignalHex)) {
				t.Fatalf("signal = %x, want %s", signal, v.SignalHex)
			}
			ok, err := rln.VerifyRLN(vk, pv, signal, nil)
			if err != nil || !ok {
				t.Errorf("VerifyRLN = %v, %v, want true, nil", ok, err)
			}
			ok, err = rln.VerifyRLN(vk, pv, signal, []fr.Element{pv.Root})
			if err != nil || !ok {
				t.Errorf("VerifyRLN(own root) = %v, %v, want true, nil", ok, err)
			}
			// Another timestamp changes the signal: x no longer matches.
			bad := append([]byte(nil), signal...)
			bad[len(bad)-8] ^= 1
			if ok, err := rln.VerifyRLN(vk, pv, bad, nil); err != nil || ok {
				t.Errorf("VerifyRLN(other timestamp) = %v, %v, want false, nil", ok, err)
			}
			// A different share_y decodes but does not verify.
			tampered := dec
			tampered.ShareY[0] ^= 1
			tpv, err := tampered.ProofValues()
			if err != nil {
				t.Fatalf("ProofValues(tampered y) = %v", err)
			}
			if ok, err := rln.VerifyRLN(vk, tpv, signal, nil); err != nil || ok {
				t.Errorf("VerifyRLN(tampered y) = %v, %v, want false, nil", ok, err)
			}
			// A different rln identifier changes the external nullifier.
			tampered = dec
			tampered.RLNIdentifier[0] ^= 1
			if tpv, err = tampered.ProofValues(); err != nil {
				t.Fatalf("ProofValues(tampered identifier) = %v", err)
			}
			if ok, err := rln.VerifyRLN(vk, tpv, signal, nil); err != nil || ok {
				t.Errorf("VerifyRLN(tampered identifier) = %v, %v, want false, nil", ok, err)
			}
		})
	}
}

func TestRateLimitProofRoundTrip(t *testing.T) {
	var zero rln.RateLimitProof
	enc := zero.Encode()
	if len(enc) != rln.RateLimitProofSize {
		t.Fatalf("Encode(zero) is %d bytes, want %d (every field written)", len(enc), rln.RateLimitProofSize)
	}
	if got := nwakuEncode(&zero); !bytes.Equal(enc, got) {
		t.Errorf("Encode(zero) = %x, want %x", enc, got)
	}
	var p rln.RateLimitProof
	for i := range p.Proof {
		p.Proof[i] = byte(i)
	}
	for i, f := range []*[rln.FieldSize]byte{&p.MerkleRoot, &p.Epoch, &p.ShareX, &p.ShareY, &p.Nullifier, &p.RLNIdentifier} {
		for j := range f {
			f[j] = byte(0x10*(i+1) + j)
		}
	}
	for _, in := range []rln.RateLimitProof{zero, p} {
		got, err := rln.DecodeRateLimitProof(in.Encode())
		if err != nil {
			t.Fatalf("DecodeRateLimitProof(Encode()) = %v", err)
		}
		if got != in {
			t.Errorf("round trip = %+v, want %+v", got, in)
		}
	}
	// Field order does not matter, and unknown fields are skipped.
	v := loadRLPVectors(t)[0]
	want := rlpFromVector(t, v)
	enc = want.Encode()
	var shuffled []byte
	shuffled = append(shuffled, 0xa0, 0x01, 0x96, 0x01)       // field 20 varint 150
	shuffled = append(shuffled, enc[131:]...)                 // fields 2..7
	shuffled = append(shuffled, 0x45, 1, 2, 3, 4)             // field 8 fixed32
	shuffled = append(shuffled, enc[:131]...)                 // field 1
	shuffled = append(shuffled, 0x49, 1, 2, 3, 4, 5, 6, 7, 8) // field 9 fixed64
	shuffled = append(shuffled, 0x42, 0x03, 'a', 'b', 'c')    // field 8 bytes
	got, err := rln.DecodeRateLimitProof(shuffled)
	if err != nil {
		t.Fatalf("DecodeRateLimitProof(reordered, unknown fields) = %v", err)
	}
	if got != want {
		t.Errorf("DecodeRateLimitProof(reordered) = %+v, want %+v", got, want)
	}
}

func TestDecodeRateLimitProofErrors(t *testing.T) {
	v := loadRLPVectors(t)[0]
	p := rlpFromVector(t, v)
	good := p.Encode()
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// Offsets of each field's key in good.
	const f2 = 131
	f := func(n int) int { return f2 + (n-2)*34 }
	big := make([]byte, rln.MaxRateLimitProofSize+1)
	copy(big, good)
	big[len(good)] = 0x42 // field 8 bytes, length filling the rest
	binary.PutUvarint(big[len(good)+1:], uint64(rln.MaxRateLimitProofSize+1-len(good)-3))

	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-1]},
		{"missing field 1", good[f2:]},
		{"missing field 7", good[:f(7)]},
		{"missing field 4", cat(good[:f(4)], good[f(5):])},
		{"repeated field 2", cat(good, good[f2:f(3)])},
		{"proof 127 bytes", cat([]byte{0x0a, 0x7f}, good[3:130], good[f2:])},
		{"proof 129 bytes", cat([]byte{0x0a, 0x81, 0x01}, good[3:131], []byte{0}, good[f2:])},
		{"root 31 bytes", cat(good[:f2], []byte{0x12, 0x1f}, good[f2+2:f(3)-1], good[f(3):])},
		{"root 33 bytes", cat(good[:f2], []byte{0x12, 0x21}, good[f2+2:f(3)], []byte{0}, good[f(3):])},
		{"rln identifier empty", cat(good[:f(7)], []byte{0x3a, 0x00})},
		{"field 3 as varint", cat(good[:f(3)], []byte{0x18, 0x01}, good[f(4):])},
		{"field 6 as fixed64", cat(good[:f(6)], []byte{0x31, 1, 2, 3, 4, 5, 6, 7, 8}, good[f(7):])},
		{"field number 0", cat([]byte{0x02, 0x00}, good)},
		{"group wire type", cat(good, []byte{0x43})},
		{"wire type 6", cat(good, []byte{0x46})},
		{"truncated key", cat(good, []byte{0x80})},
		{"overlong key", cat(good, []byte{0xc2, 0x00, 0x00})},
		{"overlong length", cat([]byte{0x0a, 0x80, 0x81, 0x00}, good[3:])},
		{"length beyond input", cat(good, []byte{0x42, 0x05, 1})},
		{"length overflows", cat(good, []byte{0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})},
		{"varint overflow", cat(good, []byte{0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})},
		{"truncated fixed32", cat(good, []byte{0x45, 1, 2, 3})},
		{"field number too big", cat(good, []byte{0x80, 0x80, 0x80, 0x80, 0x10, 0x00})},
		{"too large", big},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rln.DecodeRateLimitProof(c.in)
			if err == nil {
				t.Fatalf("DecodeRateLimitProof(%x) = nil error", c.in)
			}
			if !errors.Is(err, rln.ErrInvalidProof) {
				t.Errorf("error %v does not wrap ErrInvalidProof", err)
			}
		})
	}
	// The largest accepted size still decodes.
	okBig := big[:rln.MaxRateLimitProofSize]
	binary.PutUvarint(okBig[len(good)+1:], uint64(rln.MaxRateLimitProofSize-len(good)-3))
	if _, err := rln.DecodeRateLimitProof(okBig); err != nil {
		t.Errorf("DecodeRateLimitProof(%d bytes) = %v", len(okBig), err)
	}
}

func TestRateLimitProofValuesErrors(t *testing.T) {
	v := loadRLPVectors(t)[0]
	base := rlpFromVector(t, v)
	var rLE [rln.FieldSize]byte
	be := fr.Modulus().FillBytes(make([]byte, rln.FieldSize))
	for i := range be {
		rLE[i] = be[len(be)-1-i]
	}
	for _, c := range []struct {
		name string
		mod  func(p *rln.RateLimitProof)
	}{
		{"proof A both flags", func(p *rln.RateLimitProof) { p.Proof[31] |= 0xc0 }},
		{"proof all 0xff", func(p *rln.RateLimitProof) {
			for i := range p.Proof {
				p.Proof[i] = 0xff
			}
		}},
		{"merkle_root = r", func(p *rln.RateLimitProof) { p.MerkleRoot = rLE }},
		{"epoch = r", func(p *rln.RateLimitProof) { p.Epoch = rLE }},
		{"share_x = r", func(p *rln.RateLimitProof) { p.ShareX = rLE }},
		{"share_y = r", func(p *rln.RateLimitProof) { p.ShareY = rLE }},
		{"nullifier = r", func(p *rln.RateLimitProof) { p.Nullifier = rLE }},
		{"rln_identifier all 0xff", func(p *rln.RateLimitProof) {
			for i := range p.RLNIdentifier {
				p.RLNIdentifier[i] = 0xff
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := base
			c.mod(&p)
			_, err := p.ProofValues()
			if err == nil {
				t.Fatal("ProofValues() = nil error")
			}
			if !errors.Is(err, rln.ErrInvalidProof) {
				t.Errorf("error %v does not wrap ErrInvalidProof", err)
			}
		})
	}
}

func FuzzDecodeRateLimitProof(f *testing.F) {
	for _, v := range loadRLPVectors(f) {
		f.Add(rlpHex(f, v.RateLimitProofHex))
	}
	var zero rln.RateLimitProof
	f.Add(zero.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := rln.DecodeRateLimitProof(b)
		if err != nil {
			if !errors.Is(err, rln.ErrInvalidProof) {
				t.Fatalf("DecodeRateLimitProof error %v does not wrap ErrInvalidProof", err)
			}
			return
		}
		enc := p.Encode()
		if len(enc) != rln.RateLimitProofSize {
			t.Fatalf("Encode() is %d bytes, want %d", len(enc), rln.RateLimitProofSize)
		}
		again, err := rln.DecodeRateLimitProof(enc)
		if err != nil || again != p {
			t.Fatalf("DecodeRateLimitProof(Encode()) = %+v, %v, want %+v", again, err, p)
		}
		if _, err := p.ProofValues(); err != nil && !errors.Is(err, rln.ErrInvalidProof) {
			t.Fatalf("ProofValues error %v does not wrap ErrInvalidProof", err)
		}
	})
}

// TestNewRateLimitProof rebuilds the upstream RateLimitProofs from their
// proof values and epoch: the bytes must be nwaku's.
func TestNewRateLimitProof(t *testing.T) {
	for _, v := range loadRLPVectors(t) {
		want := rlpFromVector(t, v)
		pv, err := want.ProofValues()
		if err != nil {
			t.Fatal(err)
		}
		epoch := binary.LittleEndian.Uint64(want.Epoch[:8])
		got, err := rln.NewRateLimitProof(pv, epoch, rln.DefaultRLNIdentifier)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Encode(), want.Encode()) {
			t.Errorf("NewRateLimitProof(%s) differs from the upstream proof", v.ID)
		}
	}
	if _, err := rln.NewRateLimitProof(rln.ProofValues{}, 1, strings.Repeat("x", 33)); err == nil {
		t.Error("NewRateLimitProof with a 33-byte identifier: no error")
	}
}
