//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node/storage/client"
)

// TestKillDuringUpload kills the node with SIGKILL while an upload streams
// in, restarts it on the same data directory and checks that the dataset
// committed before is intact, the interrupted one is not listed, no quota
// is left reserved, and the same upload then succeeds.
func TestKillDuringUpload(t *testing.T) {
	bin := buildCairn(t)
	dir := filepath.Join(t.TempDir(), "data")
	ctx := context.Background()

	rng := rand.New(rand.NewPCG(1, 2))
	first := make([]byte, 3<<20+5)
	second := make([]byte, 24<<20)
	for _, p := range [][]byte{first, second} {
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
	}

	p := startBinary(t, bin, dir)
	c := client.New(p.url, "")
	firstCID, err := c.Upload(ctx, bytes.NewReader(first), client.UploadOptions{Filename: "first.bin"})
	if err != nil {
		t.Fatalf("upload first: %v\n%s", err, p.stderr)
	}

	// Stream the second upload through a pipe and kill the node when half
	// of it has gone out.
	pr, pw := io.Pipe()
	uploadErr := make(chan error, 1)
	go func() {
		_, err := c.Upload(ctx, pr, client.UploadOptions{Filename: "second.bin"})
		uploadErr <- err
	}()
	if _, err := pw.Write(second[:len(second)/2]); err != nil {
		t.Fatalf("stream half of the second upload: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // let the node hash and stage what it got
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.exited
	p.reaped = true
	pw.CloseWithError(io.ErrClosedPipe)
	if err := <-uploadErr; err == nil {
		t.Fatal("the upload to a killed node succeeded")
	}

	p = startBinary(t, bin, dir)
	c = client.New(p.url, "")
	list, err := c.List(ctx)
	if err != nil {
		t.Fatalf("list after restart: %v\n%s", err, p.stderr)
	}
	if len(list) != 1 || list[0].CID != firstCID {
		t.Fatalf("datasets after restart = %+v, want only %s", list, firstCID)
	}
	body, _, err := c.Download(ctx, firstCID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(body)
	body.Close()
	if err != nil || sha256.Sum256(got) != sha256.Sum256(first) {
		t.Fatalf("first dataset after restart: %d bytes, %v; want the %d bytes uploaded", len(got), err, len(first))
	}
	sp, err := c.Space(ctx)
	if err != nil || sp.QuotaReservedBytes != 0 {
		t.Errorf("space after restart = %+v, %v; want nothing reserved", sp, err)
	}
	secondCID, err := c.Upload(ctx, bytes.NewReader(second), client.UploadOptions{Filename: "second.bin"})
	if err != nil || !strings.HasPrefix(secondCID, "zDvZRwzm") {
		t.Fatalf("upload second after restart = %q, %v", secondCID, err)
	}
	if list, _ := c.List(ctx); len(list) != 2 {
		t.Errorf("datasets after the retried upload = %d, want 2", len(list))
	}
}
