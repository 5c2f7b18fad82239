package dataset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"testing/iotest"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/acceltest"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
)

func hasher(t testing.TB, b accel.Backend) accel.SHA256 {
	h, err := sha256x.New(b)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mod251(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i % 251)
	}
	return p
}

// TestSharedVectors chunks the shared vector datasets (testdata/SOURCE) with
// batches of 1, 2 and many blocks and checks every block CID and the tree CID.
func TestSharedVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/storage-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []struct {
			Name      string   `json:"name"`
			Length    int      `json:"length"`
			BlockCIDs []string `json:"block_cids"`
			TreeCID   string   `json:"tree_cid"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	for _, b := range acceltest.CPUBackends() {
		for _, c := range v.Cases {
			for _, batch := range []int{dataset.DefaultBlockSize, 2 * dataset.DefaultBlockSize, 0} {
				var sunk []string
				res, err := dataset.Chunk(context.Background(), bytes.NewReader(mod251(c.Length)),
					dataset.Options{Hasher: hasher(t, b), BatchBytes: batch},
					func(blk dataset.Block) error {
						if len(blk.Data) != dataset.DefaultBlockSize || !cids.Block(blk.Data).Equals(blk.CID) {
							t.Errorf("%s block %d: data does not match its CID", c.Name, blk.Index)
						}
						sunk = append(sunk, cids.String(blk.CID))
						return nil
					})
				if err != nil {
					t.Fatalf("%s/%s: Chunk = %v", b, c.Name, err)
				}
				if got := cids.String(res.TreeCID); got != c.TreeCID {
					t.Errorf("%s/%s batch %d: tree CID = %s, upstream %s", b, c.Name, batch, got, c.TreeCID)
				}
				if res.Size != uint64(c.Length) || len(sunk) != len(c.BlockCIDs) {
					t.Fatalf("%s: size %d, %d blocks; want %d, %d", c.Name, res.Size, len(sunk), c.Length, len(c.BlockCIDs))
				}
				for i := range sunk {
					if sunk[i] != c.BlockCIDs[i] || cids.String(res.BlockCID(i)) != c.BlockCIDs[i] {
						t.Errorf("%s block %d = %s, upstream %s", c.Name, i, sunk[i], c.BlockCIDs[i])
					}
				}
			}
		}
	}
}

// TestUpstreamTreeCID checks the tree CID that logos-storage-nim's
// integration test expects for "some file contents" (testdata/SOURCE).
func TestUpstreamTreeCID(t *testing.T) {
	res, err := dataset.Chunk(context.Background(), bytes.NewReader([]byte("some file contents")), dataset.Options{Hasher: hasher(t, accel.Go)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const want = "zDzSvJTezk7bJNQqFq8k1iHXY84psNuUfZVusA5bBQQUSuyzDSVL"
	if got := cids.String(res.TreeCID); got != want {
		t.Errorf("tree CID = %s, upstream %s", got, want)
	}
}

func TestBlockSizes(t *testing.T) {
	data := mod251(100000)
	for _, bs := range []int{4096, 65536, 524288} {
		res, err := dataset.Chunk(context.Background(), bytes.NewReader(data), dataset.Options{Hasher: hasher(t, accel.SIMD), BlockSize: bs, BatchBytes: 3 * bs}, nil)
		if err != nil {
			t.Fatalf("BlockSize %d: %v", bs, err)
		}
		if want := (len(data) + bs - 1) / bs; len(res.Digests) != want {
			t.Errorf("BlockSize %d: %d blocks, want %d", bs, len(res.Digests), want)
		}
	}
	for _, bs := range []int{1000, 2048, 1 << 20} {
		if _, err := dataset.Chunk(context.Background(), bytes.NewReader(data), dataset.Options{Hasher: hasher(t, accel.Go), BlockSize: bs}, nil); err == nil {
			t.Errorf("BlockSize %d: no error", bs)
		}
	}
}

func TestErrors(t *testing.T) {
	h := hasher(t, accel.Go)
	if _, err := dataset.Chunk(context.Background(), bytes.NewReader(nil), dataset.Options{Hasher: h}, nil); !errors.Is(err, dataset.ErrEmpty) {
		t.Errorf("Chunk(empty) = %v, want ErrEmpty", err)
	}
	boom := errors.New("boom")
	if _, err := dataset.Chunk(context.Background(), iotest.ErrReader(boom), dataset.Options{Hasher: h}, nil); !errors.Is(err, boom) {
		t.Errorf("Chunk(failing reader) = %v, want boom", err)
	}
	sinkErr := errors.New("disk full")
	_, err := dataset.Chunk(context.Background(), bytes.NewReader(mod251(300000)), dataset.Options{Hasher: h, BatchBytes: 1}, func(b dataset.Block) error {
		if b.Index == 2 {
			return sinkErr
		}
		return nil
	})
	if !errors.Is(err, sinkErr) {
		t.Errorf("Chunk(sink fails) = %v, want the sink's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := dataset.Chunk(ctx, bytes.NewReader(mod251(1000)), dataset.Options{Hasher: h}, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Chunk(cancelled) = %v, want context.Canceled", err)
	}
	if _, err := dataset.Chunk(context.Background(), bytes.NewReader(mod251(10)), dataset.Options{}, nil); err == nil {
		t.Error("Chunk(no hasher): no error")
	}
}

// TestOneByteReads checks that a reader returning one byte at a time gives
// the same dataset as one big read, and that progress reaches the size.
func TestOneByteReads(t *testing.T) {
	data := mod251(3*dataset.DefaultBlockSize + 17)
	h := hasher(t, accel.SIMD)
	want, err := dataset.Chunk(context.Background(), bytes.NewReader(data), dataset.Options{Hasher: h}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	got, err := dataset.Chunk(context.Background(), iotest.OneByteReader(bytes.NewReader(data)), dataset.Options{Hasher: h, BatchBytes: 1, Progress: func(n uint64) { last = n }}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !got.TreeCID.Equals(want.TreeCID) || last != uint64(len(data)) {
		t.Errorf("one-byte reads: tree %s, progress %d; want %s, %d", got.TreeCID, last, want.TreeCID, len(data))
	}
}

func BenchmarkChunk(b *testing.B) {
	data := mod251(64 << 20)
	h := hasher(b, accel.SIMD)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := dataset.Chunk(context.Background(), bytes.NewReader(data), dataset.Options{Hasher: h}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
