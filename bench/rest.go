package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage/client"
	"github.com/cairn-node/cairn/node/storage/httpapi"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// restCases measure the storage REST API end to end over loopback HTTP: a
// client streams a file of size bytes into a node (chunk, hash, store,
// commit) or reads one back (fetch, verify, stream). Every upload sends
// different bytes, so the store's deduplication never skips work.
func restCases(size int, quick bool) []Case {
	params := fmt.Sprintf("%dMiB,64KiB blocks", size>>20)
	return []Case{
		{Kernel: "rest-upload", Params: params, Unit: "MB/s", Quick: quick, Setup: restSetup(size, client.UploadOptions{}, false)},
		{Kernel: "rest-upload-ec", Params: params + ",ec=10,4", Unit: "MB/s", Quick: quick, Setup: restSetup(size, client.UploadOptions{ECK: 10, ECM: 4}, false)},
		{Kernel: "rest-download", Params: params, Unit: "MB/s", Quick: quick, Setup: restSetup(size, client.UploadOptions{}, true)},
	}
}

// uniqueReader streams base again and again up to size bytes, writing a
// per-stream nonce and the block index into the first 16 bytes of every
// 64 KiB block, so that no block repeats within or across streams.
type uniqueReader struct {
	base  []byte
	nonce uint64
	size  int64
	off   int64
}

func (u *uniqueReader) Read(p []byte) (int, error) {
	if u.off >= u.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && u.off < u.size {
		blk := u.off / shardSize
		in := u.off % shardSize
		chunk := min(int64(len(p)-n), shardSize-in, u.size-u.off)
		src := u.base[(blk*shardSize)%int64(len(u.base)):][in : in+chunk]
		copy(p[n:], src)
		if in < 16 {
			var hdr [16]byte
			binary.LittleEndian.PutUint64(hdr[:], u.nonce)
			binary.LittleEndian.PutUint64(hdr[8:], uint64(blk))
			copy(p[n:n+int(min(chunk, 16-in))], hdr[in:])
		}
		n += int(chunk)
		u.off += chunk
	}
	return n, nil
}

func restSetup(size int, up client.UploadOptions, download bool) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		h, err := sha256x.New(b)
		if err != nil {
			return nil, 0, err
		}
		dir, err := os.MkdirTemp("", "cairn-bench-rest-")
		if err != nil {
			return nil, 0, err
		}
		ctx := context.Background()
		st, err := pebblestore.Open(ctx, pebblestore.Options{Dir: dir, Hasher: h, QuotaBytes: 1 << 40, MaintenanceInterval: -1})
		if err != nil {
			os.RemoveAll(dir)
			return nil, 0, err
		}
		mux := http.NewServeMux()
		// Erasure coding runs on the row's backend too.
		router := accel.NewRouter(accel.Probe(), accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelErasure: b}})
		httpapi.New(st, h, httpapi.Options{Router: router}).Register(mux)
		srv := httptest.NewServer(mux)
		atCaseEnd(func() { srv.Close(); st.Close(); os.RemoveAll(dir) })
		c := client.New(srv.URL, "")
		base := randBytes(rand.New(rand.NewPCG(11, 11)), 8*shardSize)
		nonce := uint64(0)
		upload := func() (string, error) {
			nonce++
			return c.Upload(ctx, &uniqueReader{base: base, nonce: nonce, size: int64(size)}, up)
		}
		if !download {
			return func() error { _, err := upload(); return err }, float64(size), nil
		}
		mc, err := upload()
		if err != nil {
			return nil, 0, err
		}
		return func() error {
			body, _, err := c.Download(ctx, mc)
			if err != nil {
				return err
			}
			defer body.Close()
			n, err := io.Copy(io.Discard, body)
			if err == nil && n != int64(size) {
				err = fmt.Errorf("downloaded %d bytes, want %d", n, size)
			}
			return err
		}, float64(size), nil
	}
}
