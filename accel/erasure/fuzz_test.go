package erasure_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/erasure"
)

// FuzzReconstruct encodes fuzzer data with a fuzzer-chosen code, drops the
// shards a fuzzer-chosen mask names (perhaps more than M) and truncates one
// shard when asked: every backend must rebuild the data exactly or return
// ErrTooFewShards / ErrShardSize, never panic, and agree with go.
func FuzzReconstruct(f *testing.F) {
	f.Add(uint8(4), uint8(2), uint8(0), uint16(0b000011), false, []byte("some shard data"))
	f.Add(uint8(1), uint8(1), uint8(0), uint16(0b01), false, []byte{1})
	f.Add(uint8(5), uint8(1), uint8(1), uint16(0b100000), true, []byte("xyz"))
	f.Fuzz(func(t *testing.T, k, m, field uint8, mask uint16, truncate bool, data []byte) {
		p := accel.ErasureParams{DataShards: int(k%12) + 1, ParityShards: int(m % 5), Field: accel.Field(field % 4)}
		size := 64 * (1 + len(data)%3)
		for _, b := range acceltest.CPUBackends() {
			enc, err := erasure.New(p, b)
			if errors.Is(err, accel.ErrInvalidParams) {
				return // e.g. M > K for a Leopard code
			}
			if err != nil {
				t.Fatal(err)
			}
			n := p.DataShards + p.ParityShards
			want := make([][]byte, n)
			for i := range want {
				want[i] = make([]byte, size)
				if i < p.DataShards {
					for j := range want[i] {
						if len(data) > 0 {
							want[i][j] = data[(i*size+j)%len(data)] ^ byte(i)
						}
					}
				}
			}
			if err := enc.Encode(want); err != nil {
				t.Fatalf("%s Encode(%+v) = %v", b, p, err)
			}
			got := make([][]byte, n)
			missing := 0
			for i := range got {
				if mask&(1<<i) != 0 {
					missing++
					continue
				}
				got[i] = bytes.Clone(want[i])
			}
			if truncate && missing < n {
				for i := range got {
					if got[i] != nil {
						got[i] = got[i][:size-1]
						break
					}
				}
			}
			err = enc.Reconstruct(got)
			switch {
			case truncate && missing < n && n-missing > 1:
				if !errors.Is(err, accel.ErrShardSize) {
					t.Fatalf("%s Reconstruct(one shard truncated) = %v, want ErrShardSize", b, err)
				}
			case missing > p.ParityShards || missing == n:
				if !errors.Is(err, accel.ErrTooFewShards) && !errors.Is(err, accel.ErrShardSize) {
					t.Fatalf("%s Reconstruct(%d of %d missing, M=%d) = %v, want ErrTooFewShards", b, missing, n, p.ParityShards, err)
				}
			case truncate && missing < n:
				// One shard left and it is truncated: either a size error or
				// a consistent rebuild at the shorter length is acceptable.
			default:
				if err != nil {
					t.Fatalf("%s Reconstruct(%+v, mask %b) = %v", b, p, mask, err)
				}
				for i := range want {
					if !bytes.Equal(got[i], want[i]) {
						t.Fatalf("%s Reconstruct(%+v, mask %b): shard %d differs", b, p, mask, i)
					}
				}
			}
		}
	})
}
