package decompress_test

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
)

// BenchmarkDecompress decodes 2^16 points of each group with each
// backend:
//
//	go test -run '^$' -bench Decompress ./accel/decompress
func BenchmarkDecompress(b *testing.B) {
	const n = 1 << 16
	p1, p2 := randomPoints(n, 7)
	s1, s2 := encodeG1(p1), encodeG2(p2)
	for _, d := range backends(b) {
		b.Run("G1/"+string(d.Backend()), func(b *testing.B) {
			dst := make([]bn254.G1Affine, n)
			for b.Loop() {
				if err := d.G1(dst, s1); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
		})
		b.Run("G2/"+string(d.Backend()), func(b *testing.B) {
			dst := make([]bn254.G2Affine, n)
			for b.Loop() {
				if err := d.G2(dst, s2); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/point")
		})
	}
}
