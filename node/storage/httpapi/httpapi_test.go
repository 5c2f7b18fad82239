package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/node/storage/httpapi"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// newServer starts the API over a real pebble store on a loopback port.
func newServer(t *testing.T, quota uint64) string {
	url, _ := newServerWithMetrics(t, quota)
	return url
}

// newServerWithMetrics is newServer that also returns the registry of the
// server's Prometheus series.
func newServerWithMetrics(t *testing.T, quota uint64) (string, *prometheus.Registry) {
	t.Helper()
	h, err := sha256x.New(accel.SIMD)
	if err != nil {
		h, _ = sha256x.New(accel.Go)
	}
	st, err := pebblestore.Open(context.Background(), pebblestore.Options{Dir: t.TempDir(), Hasher: h, QuotaBytes: quota, MaintenanceInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	mux := http.NewServeMux()
	reg := prometheus.NewRegistry()
	httpapi.New(st, h, httpapi.Options{Registerer: reg}).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL, reg
}

// counter returns the value of a counter series (with one label value,
// or none).
func counter(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || (len(m.GetLabel()) > 0 && m.GetLabel()[0].GetValue() == label) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func do(t *testing.T, method, url string, body io.Reader, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func randomData(n int) []byte {
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(rng.Uint32())
	}
	return p
}

// TestUploadMatchesUpstream uploads the shared vector dataset (byte i =
// i mod 251, 300000 bytes, with filename and MIME type) and expects the
// manifest CID logos-storage-nim gives it (shared/vectors/storage).
func TestUploadMatchesUpstream(t *testing.T) {
	url, reg := newServerWithMetrics(t, 0)
	base := url + httpapi.PrefixStorage
	data := make([]byte, 300000)
	for i := range data {
		data[i] = byte(i % 251)
	}
	resp, body := do(t, "POST", base+"/data", bytes.NewReader(data), map[string]string{
		"Content-Type": "application/octet-stream", "Content-Disposition": `attachment; filename="data.bin"`,
	})
	if resp.StatusCode != 200 || string(body) != "zDvZRwzm9XMMkNd58s3S1C6pkAinwgLNho8CteNHNEBsJHEKriSC" {
		t.Fatalf("POST /data = %d %q, want the upstream 2026 manifest CID", resp.StatusCode, body)
	}
	resp, got := do(t, "GET", base+"/data/"+string(body), nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("GET /data/cid = %d, %d bytes; want 200 and the upload back", resp.StatusCode, len(got))
	}
	if ct, cd := resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"); ct != "application/octet-stream" || cd != `attachment; filename=data.bin` {
		t.Errorf("headers Content-Type %q, Content-Disposition %q", ct, cd)
	}
	for _, c := range []struct {
		name, label string
		want        float64
	}{
		{"cairn_storage_uploads_total", "ok", 1},
		{"cairn_storage_upload_bytes_total", "", 300000},
		{"cairn_storage_upload_blocks_total", "", 5},
		{"cairn_storage_downloads_total", "ok", 1},
		{"cairn_storage_download_bytes_total", "", 300000},
	} {
		if got := settledCounter(t, reg, c.name, c.label, c.want); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.label, got, c.want)
		}
	}
}

// settledCounter is counter, read again for up to five seconds until it
// equals want: a download is counted when its handler returns, which can
// be just after the client has read the last byte.
func settledCounter(t *testing.T, reg *prometheus.Registry, name, label string, want float64) float64 {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := counter(t, reg, name, label)
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRoundTripRangesListDelete(t *testing.T) {
	for _, prefix := range []string{httpapi.PrefixStorage, httpapi.PrefixCodex} {
		base := newServer(t, 0) + prefix
		data := randomData(5*65536 + 1234)
		resp, body := do(t, "POST", base+"/data", bytes.NewReader(data), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("POST = %d %s", resp.StatusCode, body)
		}
		mc := string(body)
		resp, got := do(t, "GET", base+"/data/"+mc, nil, nil)
		if resp.StatusCode != 200 || sha256.Sum256(got) != sha256.Sum256(data) || resp.ContentLength != int64(len(data)) {
			t.Fatalf("GET = %d, %d bytes (Content-Length %d), want %d bytes equal", resp.StatusCode, len(got), resp.ContentLength, len(data))
		}
		for _, rg := range [][2]int{{0, 0}, {65535, 65537}, {100000, 300000}, {len(data) - 10, len(data) - 1}} {
			resp, got := do(t, "GET", base+"/data/"+mc, nil, map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", rg[0], rg[1])})
			if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[rg[0]:rg[1]+1]) {
				t.Errorf("Range %v = %d, %d bytes; want 206 and the slice", rg, resp.StatusCode, len(got))
			}
		}
		resp, _ = do(t, "GET", base+"/data/"+mc, nil, map[string]string{"Range": fmt.Sprintf("bytes=%d-", len(data)+10)})
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("Range past the end = %d, want 416", resp.StatusCode)
		}
		resp, body = do(t, "GET", base+"/data", nil, nil)
		var list struct {
			Content []struct {
				CID      string `json:"cid"`
				Manifest struct {
					TreeCID     string `json:"treeCid"`
					DatasetSize uint64 `json:"datasetSize"`
					BlockSize   uint32 `json:"blockSize"`
					Protected   bool   `json:"protected"`
				} `json:"manifest"`
			} `json:"content"`
		}
		if err := json.Unmarshal(body, &list); err != nil || len(list.Content) != 1 || list.Content[0].CID != mc ||
			list.Content[0].Manifest.DatasetSize != uint64(len(data)) || list.Content[0].Manifest.BlockSize != 65536 {
			t.Fatalf("GET /data = %d %s (%v)", resp.StatusCode, body, err)
		}
		resp, body = do(t, "GET", base+"/data/"+mc+"/exists", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"`+mc+`": true`) {
			t.Errorf("exists = %d %s", resp.StatusCode, body)
		}
		resp, body = do(t, "GET", base+"/space", nil, nil)
		var sp map[string]uint64
		if err := json.Unmarshal(body, &sp); err != nil || sp["totalBlocks"] != 7 || sp["quotaUsedBytes"] == 0 {
			t.Errorf("space = %d %s, want 7 blocks (6 data + manifest)", resp.StatusCode, body)
		}
		resp, _ = do(t, "DELETE", base+"/data/"+mc, nil, nil)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("DELETE = %d", resp.StatusCode)
		}
		resp, _ = do(t, "GET", base+"/data/"+mc, nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET after DELETE = %d, want 404", resp.StatusCode)
		}
	}
}

func TestErrors(t *testing.T) {
	base := newServer(t, 1<<20) + httpapi.PrefixStorage
	cases := []struct {
		name, method, path string
		body               []byte
		hdr                map[string]string
		want               int
	}{
		{"malformed CID", "GET", "/data/notacid", nil, nil, 400},
		{"unknown dataset", "GET", "/data/zDvZRwzm1ePSzKSXt57D5YxHwcSDmsCyYN65wW4HT7fuX9HrzFXy", nil, nil, 404},
		{"unknown block", "GET", "/data/zDxWB8EDDsokSpiTXNRpv1jS2LXjEdLgTiDfxFd7Eo8CSPKVj93r", nil, nil, 404},
		{"empty upload", "POST", "/data", nil, nil, 400},
		{"bad block size", "POST", "/data?blockSize=1000", []byte("x"), nil, 400},
		{"bad MIME type", "POST", "/data", []byte("x"), map[string]string{"Content-Type": "not a type"}, 422},
		{"long filename", "POST", "/data", []byte("x"), map[string]string{"Content-Disposition": `attachment; filename="` + strings.Repeat("a", 300) + `"`}, 422},
		{"over quota", "POST", "/data", randomData(2 << 20), nil, 507},
	}
	for _, c := range cases {
		var body io.Reader
		if c.body != nil {
			body = bytes.NewReader(c.body)
		}
		resp, b := do(t, c.method, base+c.path, body, c.hdr)
		var e struct{ Error string }
		if resp.StatusCode != c.want || json.Unmarshal(b, &e) != nil || e.Error == "" {
			t.Errorf("%s: %s %s = %d %s, want %d with a JSON error", c.name, c.method, c.path, resp.StatusCode, b, c.want)
		}
	}
	// Nothing of the refused upload is left.
	_, b := do(t, "GET", base+"/space", nil, nil)
	var sp map[string]uint64
	json.Unmarshal(b, &sp)
	if sp["totalBlocks"] != 0 || sp["quotaReservedBytes"] != 0 {
		t.Errorf("space after refused uploads = %s, want nothing stored or reserved", b)
	}
}

// TestErasureCodedUpload uploads with ?ec=3,2 and reads the protected
// dataset back; bad parameters are 400s.
func TestErasureCodedUpload(t *testing.T) {
	base := newServer(t, 0) + httpapi.PrefixStorage
	data := randomData(7*65536 + 999)
	resp, body := do(t, "POST", base+"/data?ec=3,2", bytes.NewReader(data), map[string]string{"Content-Disposition": `attachment; filename="x.bin"`})
	if resp.StatusCode != 200 {
		t.Fatalf("POST ?ec=3,2 = %d %s", resp.StatusCode, body)
	}
	pc := string(body)
	resp, got := do(t, "GET", base+"/data/"+pc, nil, nil)
	if resp.StatusCode != 200 || !bytes.Equal(got, data) {
		t.Fatalf("GET protected = %d, %d bytes; want the %d bytes uploaded", resp.StatusCode, len(got), len(data))
	}
	resp, got = do(t, "GET", base+"/data/"+pc, nil, map[string]string{"Range": "bytes=200000-300000"})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, data[200000:300001]) {
		t.Errorf("Range on protected = %d, %d bytes", resp.StatusCode, len(got))
	}
	_, body = do(t, "GET", base+"/data", nil, nil)
	var list struct {
		Content []struct {
			CID      string `json:"cid"`
			Manifest struct {
				Protected           bool   `json:"protected"`
				ECK                 uint32 `json:"ecK"`
				ECM                 uint32 `json:"ecM"`
				OriginalDatasetSize uint64 `json:"originalDatasetSize"`
				Filename            string `json:"filename"`
			} `json:"manifest"`
		} `json:"content"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range list.Content {
		if d.CID == pc {
			found = true
			m := d.Manifest
			if !m.Protected || m.ECK != 3 || m.ECM != 2 || m.OriginalDatasetSize != uint64(len(data)) || m.Filename != "x.bin" {
				t.Errorf("protected manifest = %+v", m)
			}
		}
	}
	if !found || len(list.Content) != 2 {
		t.Errorf("GET /data lists %d datasets (%s), want the plain and the protected one", len(list.Content), body)
	}
	for _, q := range []string{"ec=3", "ec=0,2", "ec=a,b", "ec=9,2"} {
		resp, body := do(t, "POST", base+"/data?"+q, bytes.NewReader(randomData(3*65536)), nil)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("POST ?%s = %d %s, want 400", q, resp.StatusCode, body)
		}
	}
	if _, body = do(t, "GET", base+"/data", nil, nil); strings.Count(string(body), `"cid"`) != 2 {
		t.Errorf("refused uploads left datasets behind: %s", body)
	}
}
