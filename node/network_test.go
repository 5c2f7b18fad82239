package node_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/storage/client"
)

// startNode starts a node on loopback with a random API port.
func startNode(t *testing.T) *node.Node {
	t.Helper()
	n := newNode(t, testConfig(t))
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n
}

func getJSON(t *testing.T, u string, v any) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d %s", u, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v in %s", u, err, body)
	}
}

// connect makes node from dial node to over the REST API, as a user
// would with /debug/info and /connect.
func connect(t *testing.T, from, to *node.Node) {
	t.Helper()
	var info struct {
		ID    string   `json:"id"`
		Addrs []string `json:"addrs"`
	}
	getJSON(t, to.URL()+"/api/storage/v1/debug/info", &info)
	var addrs []string
	for _, a := range info.Addrs {
		addrs = append(addrs, strings.TrimSuffix(a, "/p2p/"+info.ID))
	}
	u := from.URL() + "/api/storage/v1/connect/" + info.ID + "?addrs=" + url.QueryEscape(strings.Join(addrs, ","))
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("connect: %d %s", resp.StatusCode, body)
	}
}

// TestThreeNodes uploads 100 MB on A; C streams it from the network after
// connecting to A; B fetches it in the background from A and C and reports
// progress; the bytes are equal everywhere.
func TestThreeNodes(t *testing.T) {
	a, b, c := startNode(t), startNode(t), startNode(t)
	data := make([]byte, 100<<20+12345)
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	ctx := context.Background()
	mc, err := client.New(a.URL(), "").Upload(ctx, bytes.NewReader(data), client.UploadOptions{Filename: "big.bin"})
	if err != nil {
		t.Fatal(err)
	}

	connect(t, c, a)
	var nm struct {
		Manifest struct {
			DatasetSize uint64 `json:"datasetSize"`
			Filename    string `json:"filename"`
		} `json:"manifest"`
	}
	getJSON(t, c.URL()+"/api/storage/v1/data/"+mc+"/network/manifest", &nm)
	if nm.Manifest.DatasetSize != uint64(len(data)) || nm.Manifest.Filename != "big.bin" {
		t.Errorf("C network/manifest = %+v", nm.Manifest)
	}
	var exists map[string]bool
	getJSON(t, c.URL()+"/api/storage/v1/data/"+mc+"/exists", &exists)
	if exists[mc] {
		t.Errorf("network/manifest stored the dataset on C")
	}
	resp, err := http.Get(c.URL() + "/api/storage/v1/data/" + mc + "/network/stream")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || err != nil || sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("C network/stream = %d, %d bytes, %v; want the %d bytes uploaded on A", resp.StatusCode, len(got), err, len(data))
	}

	connect(t, b, a)
	connect(t, b, c)
	resp, err = http.Post(b.URL()+"/api/storage/v1/data/"+mc+"/network", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var started struct {
		DownloadID uint64 `json:"downloadId"`
	}
	json.NewDecoder(resp.Body).Decode(&started)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || started.DownloadID == 0 {
		t.Fatalf("POST network = %d, id %d", resp.StatusCode, started.DownloadID)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var p struct {
			Active          bool
			Received, Total uint64
			Error           string
		}
		getJSON(t, b.URL()+"/api/storage/v1/data/"+mc+"/network/progress/"+strconv.FormatUint(started.DownloadID, 10), &p)
		if p.Error != "" {
			t.Fatalf("background download failed: %s", p.Error)
		}
		if !p.Active && p.Received == p.Total && p.Total > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("background download still %+v after 30s", p)
		}
		time.Sleep(50 * time.Millisecond)
	}
	body, _, err := client.New(b.URL(), "").Download(ctx, mc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(body)
	body.Close()
	if sha256.Sum256(got) != sha256.Sum256(data) {
		t.Fatalf("B local download after the network fetch differs (%d bytes)", len(got))
	}
	resp, err = http.Get(a.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), "cairn_exchange_served_blocks_total") || strings.Contains(string(metrics), "cairn_exchange_served_blocks_total 0\n") {
		t.Errorf("A's /metrics does not count the blocks it served")
	}
	var pid struct{ ID string }
	getJSON(t, a.URL()+"/api/storage/v1/peerid", &pid)
	if !strings.HasPrefix(pid.ID, "16Uiu2") {
		t.Errorf("peer id %q: want a secp256k1 peer id like upstream's", pid.ID)
	}
}

// TestDHTDiscovery: B and C know only A (bootstrap). B uploads, which
// announces the dataset on the DHT; C finds B through A's DHT and streams
// the dataset without being told about B.
func TestDHTDiscovery(t *testing.T) {
	start := func(bootstrap []string) *node.Node {
		cfg := testConfig(t)
		cfg.DHT, cfg.Bootstrap = "server", bootstrap
		n := newNode(t, cfg)
		if err := n.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := start(nil)
	var info struct {
		Addrs []string `json:"addrs"`
	}
	getJSON(t, a.URL()+"/api/storage/v1/debug/info", &info)
	b, c := start(info.Addrs[:1]), start(info.Addrs[:1])

	data := make([]byte, 3<<20)
	rng := rand.New(rand.NewPCG(4, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	mc, err := client.New(b.URL(), "").Upload(context.Background(), bytes.NewReader(data), client.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(c.URL() + "/api/storage/v1/data/" + mc + "/network/stream")
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			if !bytes.Equal(got, data) {
				t.Fatalf("C streamed %d bytes that differ from B's upload", len(got))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("C could not find B's dataset through the DHT within 20s: %d %s", resp.StatusCode, got)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
