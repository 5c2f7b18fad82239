package node_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/storage/client"
)

// TestScrubber runs a node whose scrubber fires every 50 ms, uploads an
// erasure-coded dataset through the API and waits for the scrubber to
// report the dataset's blocks as checked in /metrics.
func TestScrubber(t *testing.T) {
	n, err := node.New(testConfig(t), node.WithScrubInterval(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 6*65536)
	rng := rand.New(rand.NewPCG(3, 3))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	c := client.New(n.URL(), "")
	if _, err := c.Upload(context.Background(), bytes.NewReader(data), client.UploadOptions{ECK: 3, ECM: 2}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(n.URL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(raw)
		if !strings.Contains(body, "cairn_storage_scrub_checked_blocks_total 1") {
			if time.Now().After(deadline) {
				t.Fatalf("scrubber checked no block within 10s")
			}
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if !strings.Contains(body, "cairn_storage_scrub_repaired_blocks_total 0") || !strings.Contains(body, "cairn_storage_scrub_lost_blocks_total 0") {
			t.Errorf("scrub of an intact dataset repaired or lost blocks:\n%s", grep(body, "cairn_storage_scrub"))
		}
		return
	}
}

func grep(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
