package acceltest

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/erasure"
)

// erasureCase is one code and shard length exercised by RunErasure.
type erasureCase struct {
	k, m  int
	field accel.Field
	size  int
}

func erasureCases() []erasureCase {
	var cs []erasureCase
	for _, km := range [][2]int{{1, 0}, {1, 1}, {2, 1}, {2, 2}, {3, 2}, {4, 2}, {5, 3}, {10, 4}, {17, 7}, {64, 32}, {200, 50}} {
		for _, size := range []int{64, 128, 640} {
			cs = append(cs, erasureCase{km[0], km[1], accel.FieldLeopard, size})
		}
	}
	for _, km := range [][2]int{{1, 0}, {1, 1}, {1, 3}, {2, 1}, {3, 5}, {10, 4}, {64, 32}} {
		for _, size := range []int{1, 63, 64, 65, 1000} {
			cs = append(cs, erasureCase{km[0], km[1], accel.FieldClassic, size})
		}
	}
	cs = append(cs,
		// Shards long enough for Reconstruct's column strips, split unevenly.
		erasureCase{10, 4, accel.FieldLeopard, 64<<10 + 192},
		erasureCase{3, 2, accel.FieldLeopardGF16, 40 << 10},
		erasureCase{10, 4, accel.FieldClassic, 64<<10 + 7},
		erasureCase{4, 4, accel.FieldLeopardGF8, 192},
		erasureCase{4, 3, accel.FieldLeopardGF16, 128},
		erasureCase{300, 100, accel.FieldLeopard, 64},
	)
	return cs
}

// randomShards returns k data shards of size random bytes and m zeroed
// parity buffers.
func randomShards(rng *rand.Rand, k, m, size int) [][]byte {
	shards := make([][]byte, k+m)
	for i := range shards {
		shards[i] = make([]byte, size)
		if i < k {
			for j := range shards[i] {
				shards[i][j] = byte(rng.Uint32())
			}
		}
	}
	return shards
}

func cloneShards(s [][]byte) [][]byte {
	out := make([][]byte, len(s))
	for i := range s {
		out[i] = bytes.Clone(s[i])
	}
	return out
}

// skipUnavailable skips the test when err reports an absent backend.
func skipUnavailable(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, accel.ErrUnavailable) {
		t.Skipf("backend unavailable: %v", err)
	}
}

// kernelPair returns the implementation of backend b under test and the go
// reference, both made by newKernel; it skips the test when b is
// unavailable in this build and fails it on any other error, or when the
// implementation reports another backend. name is the constructor's name
// for messages ("msm.New").
func kernelPair[K interface{ Backend() accel.Backend }](t *testing.T, b accel.Backend, name string, newKernel func(accel.Backend) (K, error)) (got, ref K) {
	t.Helper()
	got, err := newKernel(b)
	if err != nil {
		skipUnavailable(t, err)
		t.Fatalf("%s(%s) = %v", name, b, err)
	}
	if got.Backend() != b {
		t.Fatalf("%s(%s).Backend() = %s", name, b, got.Backend())
	}
	if ref, err = newKernel(accel.Go); err != nil {
		t.Fatalf("%s(go) = %v", name, err)
	}
	return got, ref
}

// RunErasure checks backend b of the erasure kernel against the Go
// reference: identical parity, Verify, reconstruction from every pattern of
// up to M missing shards for small codes, and clear errors (never panics)
// for invalid parameters and shards.
func RunErasure(t *testing.T, b accel.Backend) {
	t.Helper()
	if _, err := erasure.New(accel.ErasureParams{DataShards: 2, ParityShards: 1}, b); err != nil {
		skipUnavailable(t, err)
		t.Fatalf("erasure.New(2,1,%s) = %v", b, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range erasureCases() {
		t.Run(fmt.Sprintf("%s/K%d_M%d/%dB", c.field, c.k, c.m, c.size), func(t *testing.T) {
			p := accel.ErasureParams{DataShards: c.k, ParityShards: c.m, Field: c.field}
			ref, err := erasure.New(p, accel.Go)
			if err != nil {
				t.Fatalf("erasure.New(%+v, go) = %v", p, err)
			}
			enc, err := erasure.New(p, b)
			if err != nil {
				t.Fatalf("erasure.New(%+v, %s) = %v", p, b, err)
			}
			want := randomShards(rng, c.k, c.m, c.size)
			got := cloneShards(want)
			if err := ref.Encode(want); err != nil {
				t.Fatalf("go Encode = %v", err)
			}
			if err := enc.Encode(got); err != nil {
				t.Fatalf("%s Encode = %v", b, err)
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("%s Encode shard %d differs from go", b, i)
				}
			}
			if ok, err := enc.Verify(got); !ok || err != nil {
				t.Fatalf("%s Verify(encoded) = %v, %v, want true, nil", b, ok, err)
			}
			if c.m > 0 {
				bad := cloneShards(got)
				bad[c.k][c.size/2] ^= 0x40
				if ok, err := enc.Verify(bad); ok || err != nil {
					t.Fatalf("%s Verify(corrupt parity) = %v, %v, want false, nil", b, ok, err)
				}
			}
			checkReconstruct(t, enc, want, rng)
		})
	}
	t.Run("invalid", func(t *testing.T) { checkErasureErrors(t, b) })
}

// checkReconstruct removes shards and checks they come back: every pattern
// of up to M missing shards when K+M is small, random patterns otherwise,
// and one pattern with M+1 missing that must fail with ErrTooFewShards.
func checkReconstruct(t *testing.T, enc accel.Erasure, want [][]byte, rng *rand.Rand) {
	t.Helper()
	n := len(want)
	m := enc.Params().ParityShards
	try := func(missing []int) {
		s := cloneShards(want)
		for _, i := range missing {
			s[i] = nil
		}
		err := enc.Reconstruct(s)
		if len(missing) > m {
			if !errors.Is(err, accel.ErrTooFewShards) {
				t.Fatalf("Reconstruct(missing %v) = %v, want ErrTooFewShards", missing, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Reconstruct(missing %v) = %v", missing, err)
		}
		for i := range want {
			if !bytes.Equal(s[i], want[i]) {
				t.Fatalf("Reconstruct(missing %v): shard %d differs", missing, i)
			}
		}
	}
	if n <= 10 {
		for mask := 1; mask < 1<<n; mask++ {
			var missing []int
			for i := 0; i < n; i++ {
				if mask&(1<<i) != 0 {
					missing = append(missing, i)
				}
			}
			if len(missing) <= m+1 {
				try(missing)
			}
		}
		return
	}
	for range 8 {
		try(rng.Perm(n)[:rng.IntN(m+1)])
	}
	try(rng.Perm(n)[:m+1])
}

func checkErasureErrors(t *testing.T, b accel.Backend) {
	bad := []accel.ErasureParams{
		{DataShards: 0, ParityShards: 1},
		{DataShards: 2, ParityShards: -1},
		{DataShards: 200, ParityShards: 57, Field: accel.FieldClassic},
		{DataShards: 2, ParityShards: 3},
		{DataShards: 40000, ParityShards: 30000},
		{DataShards: 200, ParityShards: 100, Field: accel.FieldLeopardGF8},
		{DataShards: 4, ParityShards: 2, Field: accel.Field(99)},
	}
	for _, p := range bad {
		if _, err := erasure.New(p, b); !errors.Is(err, accel.ErrInvalidParams) {
			t.Errorf("erasure.New(%+v, %s) = %v, want ErrInvalidParams", p, b, err)
		}
	}
	enc, err := erasure.New(accel.ErasureParams{DataShards: 4, ParityShards: 2}, b)
	if err != nil {
		t.Fatal(err)
	}
	shardSets := map[string][][]byte{
		"too few slices":   make([][]byte, 5),
		"mismatched sizes": {make([]byte, 64), make([]byte, 128), make([]byte, 64), make([]byte, 64), make([]byte, 64), make([]byte, 64)},
		"not multiple 64":  {make([]byte, 65), make([]byte, 65), make([]byte, 65), make([]byte, 65), make([]byte, 65), make([]byte, 65)},
		"empty parity":     {make([]byte, 64), make([]byte, 64), make([]byte, 64), make([]byte, 64), nil, nil},
	}
	for name, s := range shardSets {
		if err := enc.Encode(s); !errors.Is(err, accel.ErrShardSize) {
			t.Errorf("%s: Encode = %v, want ErrShardSize", name, err)
		}
	}
	if err := enc.Reconstruct(make([][]byte, 6)); !errors.Is(err, accel.ErrTooFewShards) {
		t.Errorf("Reconstruct(all missing) = %v, want ErrTooFewShards", err)
	}
}
