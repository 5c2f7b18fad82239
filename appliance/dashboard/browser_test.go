package dashboard_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node/buildinfo"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/farmtest"
	"github.com/cairn-node/cairn/node/farm/sigjob"
)

// browserDir returns the npm project that drives chromium, and the
// chromium binary. It skips the test (fails it under CI=true) when
// chromium, Node.js or the npm packages are missing.
func browserDir(t *testing.T) (dir, chromium string) {
	t.Helper()
	dir, err := filepath.Abs("browsertest")
	if err != nil {
		t.Fatal(err)
	}
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium, _ = exec.LookPath("chromium")
	}
	missing := ""
	switch {
	case chromium == "":
		missing = "chromium is not installed; run: apt-get install chromium"
	default:
		if _, err := exec.LookPath("node"); err != nil {
			missing = "node (Node.js 18 or newer) is not installed; run: apt-get install nodejs npm"
		} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "puppeteer-core")); err != nil {
			missing = "the npm packages are not installed; run: (cd appliance/dashboard/browsertest && npm ci)"
		}
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return dir, chromium
}

// browserReport is what browsertest/dashboard.mjs prints.
type browserReport struct {
	OK            bool     `json:"ok"`
	Error         string   `json:"error"`
	Steps         []string `json:"steps"`
	ConsoleErrors []string `json:"console_errors"`
	Version       string   `json:"version"`
	NodeUptimeS   float64  `json:"node_uptime_s"`
	SystemUptimeS float64  `json:"system_uptime_s"`
	Datasets      int      `json:"datasets"`
	DatasetBytes  uint64   `json:"dataset_bytes"`
	DatasetText   string   `json:"dataset_bytes_text"`
	StorageProofs string   `json:"storage_proofs_text"`
	UsedBytes     uint64   `json:"used_bytes"`
	MemoryText    string   `json:"memory_text"`
	Accel         []struct {
		Name      string `json:"name"`
		Available bool   `json:"available"`
	} `json:"accel"`
	LogLines         int    `json:"log_lines"`
	RebootDisabled   bool   `json:"reboot_disabled"`
	ActionReason     string `json:"action_reason"`
	MobileOverflowPx int    `json:"mobile_overflow_px"`
	AlarmHidden      bool   `json:"alarm_hidden"`
	FarmHidden       bool   `json:"farm_hidden"`
	FarmText         string `json:"farm_text"`
}

// TestBrowser runs the dashboard of a real node in headless chromium:
// first-visit password, logout, a refused and an accepted login, then the
// status page must show this node's real values, and the screenshot must
// show a rendered page. The screenshots are kept in the test's artifact
// directory (go test -artifacts -outputdir DIR keeps them).
func TestBrowser(t *testing.T) {
	dir, chromium := browserDir(t)
	farmURL := startFarm(t)
	tn := startNodeConfig(t, func(c *config.Config) { c.Farm.URL = farmURL }, nil)
	const size = 300_000
	data := make([]byte, size)
	rand.Read(data)
	up := newClient(t, tn.url)
	up.want(http.StatusOK, nil, "POST", "/api/storage/v1/data", data, "Content-Type", "application/octet-stream")

	shot := filepath.Join(t.ArtifactDir(), "dashboard.png")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "dashboard.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CAIRN_URL="+tn.url, "CAIRN_PASSWORD="+password, "CAIRN_SCREENSHOT="+shot, "CHROMIUM="+chromium)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var rep browserReport
	if err := json.Unmarshal(lastLine(stdout.Bytes()), &rep); err != nil {
		t.Fatalf("node dashboard.mjs: %v (exit %v)\nstdout:\n%s\nstderr:\n%s", err, runErr, stdout.String(), stderr.String())
	}
	if !rep.OK {
		t.Fatalf("browser run failed after steps %q: %s\nconsole errors: %q", rep.Steps, rep.Error, rep.ConsoleErrors)
	}
	t.Logf("browser steps: %q; screenshots in %s", rep.Steps, filepath.Dir(shot))
	if len(rep.ConsoleErrors) > 0 {
		t.Errorf("the page logged errors (CSP violations show up here): %q", rep.ConsoleErrors)
	}
	if want := buildinfo.Read().Version; rep.Version != want {
		t.Errorf("page version = %q, want buildinfo's %q", rep.Version, want)
	}
	if rep.NodeUptimeS <= 0 || rep.SystemUptimeS <= 0 {
		t.Errorf("page uptimes node %v s, system %v s; want > 0", rep.NodeUptimeS, rep.SystemUptimeS)
	}
	if rep.Datasets != 1 || rep.DatasetBytes < size || rep.UsedBytes < size || rep.DatasetText == "" {
		t.Errorf("page storage: %d datasets, %d dataset bytes (%q), %d used; want the %d-byte upload", rep.Datasets, rep.DatasetBytes, rep.DatasetText, rep.UsedBytes, size)
	}
	goAvail := false
	for _, b := range rep.Accel {
		goAvail = goAvail || (b.Name == "go" && b.Available)
	}
	if !goAvail {
		t.Errorf("page accel backends = %+v, want go available", rep.Accel)
	}
	if rep.LogLines == 0 || rep.MemoryText == "" {
		t.Errorf("page shows %d log lines, memory %q; want both", rep.LogLines, rep.MemoryText)
	}
	if !rep.RebootDisabled || rep.ActionReason == "" {
		t.Errorf("reboot button disabled=%v, reason %q; want it disabled with the reason on a host", rep.RebootDisabled, rep.ActionReason)
	}
	if rep.StorageProofs != "0" {
		t.Errorf("storage proofs shown as %q, want 0 on a node that made none", rep.StorageProofs)
	}
	if rep.FarmHidden || !strings.Contains(rep.FarmText, "worker browser-worker") || !strings.Contains(rep.FarmText, "queue sig-verify") {
		t.Errorf("farm panel hidden=%v, text %q; want the farm's queue and its worker", rep.FarmHidden, rep.FarmText)
	}
	if !rep.AlarmHidden {
		t.Error("the storage-proof alarm shows on a node whose self-checks never failed")
	}
	if rep.MobileOverflowPx > 0 {
		t.Errorf("on a 390 px phone the page is %d px too wide", rep.MobileOverflowPx)
	}
	for _, p := range []string{shot, filepath.Join(filepath.Dir(shot), "dashboard-mobile.png")} {
		checkScreenshot(t, p)
	}
}

// lastLine returns the last non-empty line of b.
func lastLine(b []byte) []byte {
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

// checkScreenshot fails unless path is a PNG of a rendered page: large
// enough, many colours and a luma variance well above a blank page's.
func checkScreenshot(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot %s: %v", path, err)
	}
	b := img.Bounds()
	if b.Dx() < 300 || b.Dy() < 300 {
		t.Errorf("screenshot %s is %v, want at least 300x300", path, b.Size())
	}
	colors, variance := pixelStats(img)
	t.Logf("screenshot %s: %v, %d colours, luma variance %.0f", filepath.Base(path), b.Size(), colors, variance)
	if colors < 50 || variance < 100 {
		t.Errorf("screenshot %s looks blank: %d colours, luma variance %.1f; want >= 50 and >= 100", path, colors, variance)
	}
}

// pixelStats returns the number of distinct colours and the variance of
// the luma (0..255) of img.
func pixelStats(img image.Image) (colors int, variance float64) {
	seen := map[uint32]bool{}
	var sum, sum2, n float64
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[(r>>8)<<16|(g>>8)<<8|bl>>8] = true
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			sum += l
			sum2 += l * l
			n++
		}
	}
	mean := sum / n
	return len(seen), sum2/n - mean*mean
}

// startFarm starts an embedded NATS JetStream server and one farm worker
// (signature batches, which need no keys) and returns the server's URL.
func startFarm(t *testing.T) string {
	t.Helper()
	url := farmtest.Start(t)
	js := farmtest.Connect(t, url)
	farmtest.RunWorker(t, js, map[string]farm.Handler{sigjob.Kind: sigjob.NewHandler()}, farm.WithID("browser-worker"))
	return url
}
