package ec_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/erasure"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/ec"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

func TestEncodeLayout(t *testing.T) {
	tests := []struct {
		name string
		size int // bytes of the plain dataset
		k, m int
	}{
		{"B=10 K=3 M=2 (padding 2, short last block)", 10*testBlockSize - 777, 3, 2},
		{"B=K=4 M=2 (one column)", 4 * testBlockSize, 4, 2},
		{"B=7 K=4 M=4 (M=K)", 7*testBlockSize - 1, 4, 4},
		{"B=5 K=5 M=1 (XOR)", 5 * testBlockSize, 5, 1},
		{"B=3 K=1 M=1 (copy)", 3*testBlockSize - 100, 1, 1},
		{"B=13 K=4 M=3 (padding 3)", 13 * testBlockSize, 4, 3},
		{"B=200 K=200 M=60 (GF(2^16))", 200 * testBlockSize, 200, 60},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t)
			data := randomBytes(uint64(i+1), tt.size)
			plain, pm, plainBlocks := putPlain(t, s, data)
			opts := testOptions(t)
			opts.BatchBytes = 3 * (tt.k + tt.m) * testBlockSize // several batches
			pc, err := ec.Encode(ctx, s, plain, tt.k, tt.m, opts)
			if err != nil {
				t.Fatalf("Encode(K=%d, M=%d) = %v", tt.k, tt.m, err)
			}
			g := newGeometry(len(plainBlocks), tt.k, tt.m)

			// The manifest decodes, validates and carries the §4/§6 fields.
			enc, err := s.Get(ctx, pc)
			if err != nil {
				t.Fatal(err)
			}
			if cids.Manifest(enc) != pc {
				t.Fatalf("manifest CID %s is not the hash of its bytes", cids.String(pc))
			}
			m, layout, err := manifest.Decode(enc)
			if err != nil {
				t.Fatalf("manifest.Decode = %v", err)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
			if layout != manifest.LayoutCodex {
				t.Errorf("layout = %v, want %v", layout, manifest.LayoutCodex)
			}
			want := manifest.ErasureInfo{K: uint32(tt.k), M: uint32(tt.m), OriginalTreeCID: pm.TreeCID,
				OriginalDatasetSize: uint64(tt.size), Strategy: manifest.StrategyStepped}
			if m.Erasure == nil || *m.Erasure != want {
				t.Errorf("erasure info = %+v, want %+v", m.Erasure, want)
			}
			if m.BlockSize != testBlockSize || m.DatasetSize != uint64(g.total*testBlockSize) ||
				m.Filename != pm.Filename || m.Mimetype != pm.Mimetype || m.Codec != cids.CodecBlock ||
				m.HCodec != cids.HashSHA256 || m.Version != 1 {
				t.Errorf("manifest = %+v, want block size %d, dataset size %d, filename %q, mimetype %q",
					m, testBlockSize, g.total*testBlockSize, pm.Filename, pm.Mimetype)
			}
			if int(m.Steps()) != g.steps || int(m.BlocksCount()) != g.total {
				t.Errorf("steps, blocks = %d, %d, want %d, %d", m.Steps(), m.BlocksCount(), g.steps, g.total)
			}

			// The block list: data, padding, parity at §6's indices.
			info, err := s.Dataset(ctx, pc)
			if err != nil {
				t.Fatal(err)
			}
			if info.Blocks != g.total || info.Tree != m.TreeCID {
				t.Errorf("record = %d blocks, tree %s; want %d, %s", info.Blocks, cids.String(info.Tree), g.total, cids.String(m.TreeCID))
			}
			list, err := s.DatasetBlocks(ctx, pc, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != g.total {
				t.Fatalf("block list has %d entries, want %d", len(list), g.total)
			}
			for i := 0; i < g.rounded; i++ {
				switch {
				case i < g.b && list[i] != plainBlocks[i]:
					t.Errorf("block %d = %s, want the plain block %s", i, cids.String(list[i]), cids.String(plainBlocks[i]))
				case i >= g.b && list[i] != cids.EmptyBlock:
					t.Errorf("padding block %d = %s, want the empty CID", i, cids.String(list[i]))
				}
			}
			code, err := erasure.New(accel.ErasureParams{DataShards: tt.k, ParityShards: tt.m}, accel.Go)
			if err != nil {
				t.Fatal(err)
			}
			for col := 0; col < g.steps; col++ {
				idx := g.column(col)
				shards := make([][]byte, tt.k+tt.m)
				for r := range shards {
					if r < tt.k {
						shards[r] = dataBlock(data, idx[r])
					} else {
						shards[r] = make([]byte, testBlockSize)
					}
				}
				if err := code.Encode(shards); err != nil {
					t.Fatal(err)
				}
				for j := 0; j < tt.m; j++ {
					i := g.rounded + col + j*g.steps
					if want := cids.Block(shards[tt.k+j]); list[i] != want {
						t.Errorf("parity %d of column %d at index %d = %s, want %s", j, col, i, cids.String(list[i]), cids.String(want))
					}
					if got, err := s.Get(ctx, list[i]); err != nil || cids.Block(got) != list[i] {
						t.Errorf("parity block %d not stored: %v", i, err)
					}
				}
			}
			if g.rounded > g.b {
				if got, err := s.Get(ctx, cids.EmptyBlock); err != nil || len(got) != 0 {
					t.Errorf("Get(empty block) = %d bytes, %v; want 0 bytes", len(got), err)
				}
			}

			// The tree over all leaves, built from the spec.
			leaves := make([][32]byte, len(list))
			for i, c := range list {
				if leaves[i], err = cids.Digest(c); err != nil {
					t.Fatal(err)
				}
			}
			if root := cids.Tree(treeRoot(leaves)); root != m.TreeCID {
				t.Errorf("tree CID = %s, want %s", cids.String(m.TreeCID), cids.String(root))
			}

			// Encoding again gives the same manifest.
			again, err := ec.Encode(ctx, s, plain, tt.k, tt.m, testOptions(t))
			if err != nil || again != pc {
				t.Errorf("Encode again = %s, %v; want %s", cids.String(again), err, cids.String(pc))
			}
		})
	}
}

// TestParity32 checks one (3,2) parity block against the kernel run on the
// column the test builds itself from the file bytes.
func TestParity32(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	const blocks = 8 // rounded 9, steps 3: column 1 = blocks 1, 4, 7
	data := randomBytes(32, blocks*testBlockSize-5)
	plain, _, _ := putPlain(t, s, data)
	opts := testOptions(t)
	if accel.SIMDAvailable() == nil {
		opts.Backend = accel.SIMD // checked against the go reference below
	}
	pc, err := ec.Encode(ctx, s, plain, 3, 2, opts)
	if err != nil {
		t.Fatal(err)
	}
	code, err := erasure.New(accel.ErasureParams{DataShards: 3, ParityShards: 2}, accel.Go)
	if err != nil {
		t.Fatal(err)
	}
	shards := [][]byte{dataBlock(data, 1), dataBlock(data, 4), dataBlock(data, 7), make([]byte, testBlockSize), make([]byte, testBlockSize)}
	if err := code.Encode(shards); err != nil {
		t.Fatal(err)
	}
	for j, i := range []int{9 + 1, 9 + 1 + 3} { // rounded + s + j·steps
		got, err := ec.ReadBlock(ctx, s, pc, i, testOptions(t))
		if err != nil {
			t.Fatalf("ReadBlock(%d) = %v", i, err)
		}
		if string(got) != string(shards[3+j]) {
			t.Errorf("parity %d of column 1 (block %d) differs from erasure.Encode of blocks 1, 4, 7", j, i)
		}
	}
	// Index 8 (B=8: data 0..7) is the padding of column 2.
	if got, err := ec.ReadBlock(ctx, s, pc, 8, testOptions(t)); err != nil || len(got) != 0 {
		t.Errorf("ReadBlock(padding 8) = %d bytes, %v; want the empty block", len(got), err)
	}
}

func TestEncodeErrors(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	plain, _, _ := putPlain(t, s, randomBytes(7, 3*testBlockSize))
	opts := testOptions(t)
	for _, tt := range []struct {
		name string
		k, m int
		want error
	}{
		{"K above B", 4, 2, ec.ErrInvalidParams},
		{"M above K", 2, 3, ec.ErrInvalidParams},
		{"M zero", 3, 0, ec.ErrInvalidParams},
		{"K zero", 0, 1, ec.ErrInvalidParams},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ec.Encode(ctx, s, plain, tt.k, tt.m, opts); !errors.Is(err, tt.want) {
				t.Errorf("Encode(K=%d, M=%d) = %v, want %v", tt.k, tt.m, err, tt.want)
			} else {
				t.Logf("Encode(K=%d, M=%d) = %v", tt.k, tt.m, err)
			}
		})
	}
	pc, err := ec.Encode(ctx, s, plain, 3, 1, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec.Encode(ctx, s, pc, 3, 1, opts); !errors.Is(err, ec.ErrAlreadyProtected) {
		t.Errorf("Encode(protected) = %v, want %v", err, ec.ErrAlreadyProtected)
	}
	if _, err := ec.Open(ctx, s, plain, opts); !errors.Is(err, ec.ErrNotProtected) {
		t.Errorf("Open(plain) = %v, want %v", err, ec.ErrNotProtected)
	}
}

func TestGeometry(t *testing.T) {
	for _, tt := range []struct{ b, k, m int }{{10, 3, 2}, {4, 4, 2}, {1, 1, 1}, {100, 7, 7}, {13, 4, 3}} {
		g, err := ec.NewGeometry(tt.b, tt.k, tt.m)
		if err != nil {
			t.Fatal(err)
		}
		w := newGeometry(tt.b, tt.k, tt.m)
		if g.Rounded != w.rounded || g.Steps != w.steps || g.Total != w.total {
			t.Errorf("NewGeometry(%d, %d, %d) = %+v, want rounded %d steps %d total %d", tt.b, tt.k, tt.m, g, w.rounded, w.steps, w.total)
		}
		for s := 0; s < g.Steps; s++ {
			for r, i := range w.column(s) {
				if g.Index(r, s) != i || g.Column(i) != s || g.Row(i) != r {
					t.Errorf("(%d,%d,%d) column %d row %d: Index = %d, want %d", tt.b, tt.k, tt.m, s, r, g.Index(r, s), i)
				}
				if r >= tt.k && g.ParityIndex(s, r-tt.k) != i {
					t.Errorf("ParityIndex(%d, %d) = %d, want %d", s, r-tt.k, g.ParityIndex(s, r-tt.k), i)
				}
				if g.IsPadding(i) != (r < tt.k && i >= tt.b) {
					t.Errorf("IsPadding(%d) = %v", i, g.IsPadding(i))
				}
			}
		}
	}
}
