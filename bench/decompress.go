package bench

import (
	"bytes"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/decompress"
)

// decompressCases are the point-decompression rows, in points per
// second: 2^16 compressed G1 and G2 points (the random points of the msm
// rows) decoded per call, the work of loading a storage proof's proving
// key (7 million points at N = 100).
func decompressCases() []Case {
	var cs []Case
	for _, g2 := range []bool{false, true} {
		kernel := "decompress-g1"
		if g2 {
			kernel = "decompress-g2"
		}
		cs = append(cs, Case{Kernel: kernel, Params: "points=2^16", Unit: "points/s", Quick: true,
			Setup: decompressSetup(1<<16, g2)})
	}
	return cs
}

func decompressSetup(n int, g2 bool) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		d, err := decompress.New(b)
		if err != nil {
			return nil, 0, err
		}
		in := msmInputsFor(n, g2)
		var buf bytes.Buffer
		enc := bn254.NewEncoder(&buf)
		if g2 {
			err = enc.Encode(in.p2)
		} else {
			err = enc.Encode(in.p1)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("bench: decompress: %w", err)
		}
		src := buf.Bytes()[4:] // after the count
		if g2 {
			dst := make([]bn254.G2Affine, n)
			return func() error { return d.G2(dst, src) }, float64(n), nil
		}
		dst := make([]bn254.G1Affine, n)
		return func() error { return d.G1(dst, src) }, float64(n), nil
	}
}
