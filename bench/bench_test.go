package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/accel"
)

// TestRunWritesTableJSONAndSVG runs a filtered suite with very short
// measurements and checks the three outputs.
func TestRunWritesTableJSONAndSVG(t *testing.T) {
	var progress bytes.Buffer
	rep, err := Run(context.Background(), Options{
		Quick: true, Filter: "K=2,M=1,shard=64KiB,leopard", Duration: time.Millisecond, Rounds: 1, Progress: &progress,
	})
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	// rs-encode and rs-reconstruct, three backends each, plus the direct reedsolomon peer of the encode (an XOR code, so skipped).
	if len(rep.Records) != 7 {
		t.Fatalf("Run(filter K=2,M=1) gave %d records, want 7: %+v", len(rep.Records), rep.Records)
	}
	for _, rec := range rep.Records {
		switch {
		case rec.Backend == "simd" && accel.SIMDAvailable() != nil:
			if rec.Skipped == "" {
				t.Errorf("record %+v: simd is unavailable in this build, want skipped", rec)
			}
		case rec.Backend == "go", rec.Backend == "simd":
			if rec.Value <= 0 || rec.Skipped != "" {
				t.Errorf("record %+v: want a positive value", rec)
			}
		case rec.Backend == "icicle":
			if rec.Skipped == "" {
				t.Errorf("record %+v: icicle has no erasure kernel, want skipped", rec)
			}
		}
	}
	if !strings.Contains(progress.String(), "7/7") {
		t.Errorf("progress output %q lacks 7/7", progress.String())
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(table.String(), "rs-encode") || !strings.Contains(table.String(), "x go") {
		t.Errorf("table lacks rows or header:\n%s", table.String())
	}
	dir := t.TempDir()
	path, err := rep.Save(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Header  map[string]any   `json:"header"`
		Records []map[string]any `json:"records"`
	}
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf("results JSON: %v", err)
	}
	for _, k := range []string{"cpu", "cores", "go_version", "commit"} {
		if _, ok := back.Header[k]; !ok {
			t.Errorf("header lacks %q", k)
		}
	}
	for _, k := range []string{"kernel", "backend", "params", "unit", "value"} {
		if _, ok := back.Records[0][k]; !ok {
			t.Errorf("record lacks %q", k)
		}
	}
	svg, err := os.ReadFile(strings.TrimSuffix(path, ".json") + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Errorf("chart is not well-formed XML: %v", err)
	}
	if n := strings.Count(string(svg), "<rect"); n < 5 {
		t.Errorf("chart has %d rects, want bars for 4 records plus background and legend", n)
	}
	if filepath.Dir(path) != dir {
		t.Errorf("Save wrote %s outside %s", path, dir)
	}
}

func TestRatios(t *testing.T) {
	rep := &Report{Records: []Record{
		{Kernel: "k", Params: "p", Backend: "go", Value: 2},
		{Kernel: "k", Params: "p", Backend: "simd", Value: 10},
		{Kernel: "k", Params: "q", Backend: "simd", Value: 1},
	}}
	if g, b := rep.Ratios(rep.Records[0]); g != 1 || b != 0.2 {
		t.Errorf("Ratios(go) = %v, %v, want 1, 0.2", g, b)
	}
	if g, b := rep.Ratios(rep.Records[1]); g != 5 || b != 1 {
		t.Errorf("Ratios(simd) = %v, %v, want 5, 1", g, b)
	}
	if g, _ := rep.Ratios(rep.Records[2]); g != 0 {
		t.Errorf("Ratios(no go) = %v, want 0", g)
	}
}

func TestEveryCaseRunsOnGo(t *testing.T) {
	if testing.Short() {
		t.Skip("sets up every case")
	}
	for _, c := range Cases() {
		if !c.Quick || ownTestKernels[c.Kernel] {
			continue // the full-size variants of the quick cases (1 GiB uploads), and the cases tested at a tiny size
		}
		op, work, err := c.Setup(accel.Go)
		if err != nil {
			t.Fatalf("%s %s: Setup(go) = %v", c.Kernel, c.Params, err)
		}
		if work <= 0 {
			t.Errorf("%s %s: work = %v", c.Kernel, c.Params, work)
		}
		if err := op(); err != nil {
			t.Errorf("%s %s: op = %v", c.Kernel, c.Params, err)
		}
		runCaseCleanups()
	}
}

// TestUniqueReader checks that the REST benchmarks' input never repeats a
// 64 KiB block, within a stream or across streams.
func TestUniqueReader(t *testing.T) {
	seen := map[[32]byte]bool{}
	base := make([]byte, 2*shardSize)
	for nonce := uint64(1); nonce <= 2; nonce++ {
		data, err := io.ReadAll(&uniqueReader{base: base, nonce: nonce, size: 5*shardSize + 100})
		if err != nil || len(data) != 5*shardSize+100 {
			t.Fatalf("read %d bytes, %v", len(data), err)
		}
		for off := 0; off < len(data); off += shardSize {
			sum := sha256.Sum256(data[off:min(off+shardSize, len(data))])
			if seen[sum] {
				t.Fatalf("block at %d of stream %d repeats", off, nonce)
			}
			seen[sum] = true
		}
	}
}

func TestRESTCasesRun(t *testing.T) {
	for _, c := range restCases(4<<20, true) { // 64 blocks: enough for ec=10,4
		op, work, err := c.Setup(accel.Go)
		if err != nil {
			t.Fatalf("%s: %v", c.Kernel, err)
		}
		for range 2 {
			if err := op(); err != nil {
				t.Fatalf("%s: %v", c.Kernel, err)
			}
		}
		if work != 4<<20 {
			t.Errorf("%s work = %v", c.Kernel, work)
		}
		runCaseCleanups()
	}
}
