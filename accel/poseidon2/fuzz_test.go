package poseidon2_test

import (
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// FuzzHashBytes decodes arbitrary bytes into field elements and hashes them
// with every backend; all must agree, and the elements must re-encode to the
// input followed by the 10* padding. Seeds: testdata/fuzz/FuzzHashBytes.
func FuzzHashBytes(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0})
	f.Add(make([]byte, 31))
	f.Add(make([]byte, 62))
	f.Add([]byte("Logos Storage cell data, 2048 bytes in production"))
	ps := backends(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		elems := poseidon2.BytesToElements(nil, data)
		if len(elems) != poseidon2.NumElements(len(data)) {
			t.Fatalf("BytesToElements(%d bytes) = %d elements, want %d", len(data), len(elems), poseidon2.NumElements(len(data)))
		}
		var packed []byte
		for i := range elems {
			if err := poseidon2.CheckCanonical(elems[i]); err != nil {
				t.Fatalf("BytesToElements(%x)[%d] = %v", data, i, err)
			}
			if elems[i][31] != 0 {
				t.Fatalf("BytesToElements(%x)[%d] uses byte 31", data, i)
			}
			packed = append(packed, elems[i][:poseidon2.ChunkSize]...)
		}
		if string(packed[:len(data)]) != string(data) || packed[len(data)] != 0x01 {
			t.Fatalf("BytesToElements(%x) re-encodes to %x", data, packed)
		}
		for _, b := range packed[len(data)+1:] {
			if b != 0 {
				t.Fatalf("BytesToElements(%x) pads with %x", data, packed[len(data)+1:])
			}
		}

		var want accel.Fr
		for i, p := range ps {
			got, err := poseidon2.HashBytes(p, data)
			if err != nil {
				t.Fatalf("%s: HashBytes(%x) = %v", p.Backend(), data, err)
			}
			if i == 0 {
				want = got
			} else if got != want {
				t.Fatalf("%s: HashBytes(%x) = %x, want %x (from %s)", p.Backend(), data, got, want, ps[0].Backend())
			}
		}
	})
}

// FuzzPermute reads 96 arbitrary bytes as a state, canonical or not, and
// permutes it with every backend: all must agree on the result or on
// rejecting it with accel.ErrInvalidElement, without panicking.
func FuzzPermute(f *testing.F) {
	f.Add(make([]byte, 96))
	ff := make([]byte, 96)
	for i := range ff {
		ff[i] = 0xff
	}
	f.Add(ff)
	ps := backends(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var st [3]accel.Fr
		for i := range st {
			copy(st[i][:], data[min(len(data), 32*i):])
		}
		valid := true
		for i := range st {
			if poseidon2.CheckCanonical(st[i]) != nil {
				valid = false
			}
		}
		var want [3]accel.Fr
		for i, p := range ps {
			// Nine copies: a group of eight for the simd backend's lane
			// kernel and one for its scalar path.
			states := make([][3]accel.Fr, 9)
			for j := range states {
				states[j] = st
			}
			err := p.Permute(states)
			if !valid {
				if !errors.Is(err, accel.ErrInvalidElement) {
					t.Fatalf("%s: Permute(%x) = %v, want %v", p.Backend(), st, err, accel.ErrInvalidElement)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: Permute(%x) = %v", p.Backend(), st, err)
			}
			if i == 0 {
				want = states[0]
			}
			for j := range states {
				if states[j] != want {
					t.Fatalf("%s: Permute(%x) copy %d = %x, want %x (from %s)", p.Backend(), st, j, states[j], want, ps[0].Backend())
				}
			}
		}
	})
}
