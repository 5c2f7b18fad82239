package poseidon2

import (
	"fmt"

	"github.com/cairn-node/cairn/accel"
)

// SpongeMany sets out[i] to p.Sponge(msgs[i]) for messages of one common
// length L, driving them in lockstep through batched p.Permute calls:
// L/2 + 1 calls of len(msgs) states each, so that a backend that gains from
// large batches (icicle on a GPU; simd spreads a batch over its cores)
// hashes many cells at its batched speed. The results are those of Sponge
// (rate 2, capacity IV 2^64 + 0x0302, 10* padding on elements).
//
// Errors: accel.ErrInvalidParams when len(out) != len(msgs) or the lengths
// differ, accel.ErrInvalidElement for a non-canonical element (nothing is
// written to out then), and p's errors. msgs is not modified or retained.
func SpongeMany(p accel.Poseidon2, out []accel.Fr, msgs [][]accel.Fr) error {
	if len(out) != len(msgs) {
		return fmt.Errorf("poseidon2: sponge many: %d outputs for %d messages: %w", len(out), len(msgs), accel.ErrInvalidParams)
	}
	if len(msgs) == 0 {
		return nil
	}
	n := len(msgs[0])
	for i, m := range msgs {
		if len(m) != n {
			return fmt.Errorf("poseidon2: sponge many: message %d has %d elements, message 0 has %d: %w", i, len(m), n, accel.ErrInvalidParams)
		}
		if err := checkElems("sponge many", m); err != nil {
			return fmt.Errorf("poseidon2: message %d: %w", i, err)
		}
	}
	if s, ok := p.(laneSponger); ok && s.spongeMany(out, msgs) {
		return nil
	}
	iv := FrFromUint64(0x0302)
	iv[8] = 1 // 2^64 + 0x0302, little-endian
	one := FrFromUint64(1)
	states := make([][3]accel.Fr, len(msgs))
	for i := range states {
		states[i][2] = iv
	}
	absorb := func(j int, padOdd bool) error {
		for i, m := range msgs {
			st := &states[i]
			switch {
			case padOdd: // last element, then the 1 marker
				addFr(&st[0], &m[j])
				addFr(&st[1], &one)
			case j < 0: // no element left: the marker alone
				addFr(&st[0], &one)
			default:
				addFr(&st[0], &m[j])
				addFr(&st[1], &m[j+1])
			}
		}
		return p.Permute(states)
	}
	j := 0
	for ; j+rate <= n; j += rate {
		if err := absorb(j, false); err != nil {
			return fmt.Errorf("poseidon2: sponge many: %w", err)
		}
	}
	var err error
	if j < n {
		err = absorb(j, true)
	} else {
		err = absorb(-1, false)
	}
	if err != nil {
		return fmt.Errorf("poseidon2: sponge many: %w", err)
	}
	for i := range out {
		out[i] = states[i][0]
	}
	return nil
}

// laneSponger is a backend with its own lockstep sponge (the simd
// backend's lane kernel); spongeMany reports false when it cannot run.
type laneSponger interface {
	spongeMany(out []accel.Fr, msgs [][]accel.Fr) bool
}

// addFr sets x = x + y mod r for canonical x and y (modular addition does
// not depend on the Montgomery form).
func addFr(x, y *accel.Fr) {
	a, b := gfe(frLimbs(x)), gfe(frLimbs(y))
	a.add(&a, &b)
	l := [4]uint64(a)
	putFrLimbs(x, &l)
}
