package ntt

import (
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"

	"github.com/cairn-node/cairn/accel"
)

// goNTT is the reference backend: gnark-crypto's radix-2 FFT over an
// fft.Domain with precomputed twiddles and the transform's coset shift. It
// spreads one transform over all CPUs.
type goNTT struct{}

var _ NTT = goNTT{}

func (goNTT) Backend() accel.Backend { return accel.Go }

// domainKey names a cached domain: its size and coset shift.
type domainKey struct {
	log   int
	shift fr.Element
}

// domainEntry builds its domain once.
type domainEntry struct {
	once sync.Once
	d    *fft.Domain
}

// domains caches one fft.Domain per size and shift (domainKey ->
// *domainEntry); a domain's tables (about 4·n elements) are read-only after
// construction and shared by all calls.
var domains sync.Map

func domain(n int, shift fr.Element) *fft.Domain {
	v, _ := domains.LoadOrStore(domainKey{log2(n), shift}, new(domainEntry))
	e := v.(*domainEntry)
	e.once.Do(func() { e.d = fft.NewDomain(uint64(n), fft.WithShift(shift)) })
	return e.d
}

// Apply maps the transform onto gnark-crypto's decimations: DIF takes
// natural order and leaves bit-reversed output, DIT the reverse; NN is DIF
// followed by a bit reversal.
func (goNTT) Apply(v []fr.Element, t Transform) error {
	if err := check(len(v), t); err != nil {
		return err
	}
	if len(v) <= 1 {
		return nil // every transform of one element is the identity
	}
	// Without Coset the shift is unused; keying by the default one shares
	// the domain among subgroup transforms.
	shift := CosetShift()
	if t.Coset {
		shift = t.shift()
	}
	d := domain(len(v), shift)
	dec := fft.DIF
	if t.Order == RN {
		dec = fft.DIT
	}
	var opts []fft.Option
	if t.Coset {
		opts = append(opts, fft.OnCoset())
	}
	if t.Inverse {
		d.FFTInverse(v, dec, opts...)
	} else {
		d.FFT(v, dec, opts...)
	}
	if t.Order == NN {
		fft.BitReverse(v)
	}
	return nil
}
