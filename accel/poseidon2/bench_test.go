package poseidon2_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// BenchmarkCompress measures the keyed 2-to-1 compression. One op is one
// hash; batch is the number of pairs per Compress call. hashes/s is for the
// whole process: run with -cpu 1 for the per-core rate.
func BenchmarkCompress(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, p := range backends(b) {
		for _, batch := range []int{1, 1024} {
			left := make([]accel.Fr, batch)
			right := make([]accel.Fr, batch)
			out := make([]accel.Fr, batch)
			for i := range left {
				left[i], right[i] = randFr(rng), randFr(rng)
			}
			b.Run(fmt.Sprintf("%s/batch=%d", p.Backend(), batch), func(b *testing.B) {
				b.ReportAllocs()
				n := 0
				for b.Loop() {
					if err := p.Compress(out, left, right, poseidon2.KeyBottomLayer); err != nil {
						b.Fatal(err)
					}
					n += batch
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "hashes/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/hash")
			})
		}
	}
}

// BenchmarkPermute measures the bare permutation over batches of 1024
// states.
func BenchmarkPermute(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	states := make([][3]accel.Fr, 1024)
	for i := range states {
		states[i] = [3]accel.Fr{randFr(rng), randFr(rng), randFr(rng)}
	}
	for _, p := range backends(b) {
		b.Run(string(p.Backend()), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.Permute(states); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(states))/b.Elapsed().Seconds(), "perms/s")
		})
	}
}

// BenchmarkHashBytesCell measures the hash of one 2048-byte Logos Storage
// cell (67 elements, 34 permutations).
func BenchmarkHashBytesCell(b *testing.B) {
	data := make([]byte, 2048)
	for i := range data {
		data[i] = byte(i * 7)
	}
	for _, p := range backends(b) {
		b.Run(string(p.Backend()), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := poseidon2.HashBytes(p, data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSpongeManyCells measures SpongeMany over 256 cells of 2048
// bytes (67 elements each), the batch the slot builder hands the kernel;
// MB/s counts cell bytes.
func BenchmarkSpongeManyCells(b *testing.B) {
	const cells = 256
	msgs := make([][]accel.Fr, cells)
	data := make([]byte, 2048)
	for i := range msgs {
		for j := range data {
			data[j] = byte(i*31 + j*7)
		}
		msgs[i] = poseidon2.BytesToElements(nil, data)
	}
	out := make([]accel.Fr, cells)
	for _, p := range backends(b) {
		b.Run(string(p.Backend()), func(b *testing.B) {
			b.SetBytes(cells * 2048)
			for b.Loop() {
				if err := poseidon2.SpongeMany(p, out, msgs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
