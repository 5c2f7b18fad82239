package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
)

// TestStorageHash hashes the 300000-byte dataset of the shared storage
// vectors (shared/vectors/storage/vectors.json, case mod251-300000: byte i
// = i mod 251, produced as logos-storage-nim does) and compares the CIDs
// upstream gives it, in both manifest layouts.
func TestStorageHash(t *testing.T) {
	data := make([]byte, 300000)
	for i := range data {
		data[i] = byte(i % 251)
	}
	path := filepath.Join(t.TempDir(), "data.bin")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := cli.Main(context.Background(), cli.Env{Args: args, Stdout: &stdout, Stderr: &stderr}); code != cli.ExitOK {
			t.Fatalf("cairn %s = %d, stderr:\n%s", strings.Join(args, " "), code, stderr.String())
		}
		return stdout.String()
	}
	var got struct {
		ManifestCID string   `json:"manifest_cid"`
		TreeCID     string   `json:"tree_cid"`
		BlockCIDs   []string `json:"block_cids"`
	}
	out := run("storage", "hash", "--json", "--filename", "data.bin", "--mimetype", "application/octet-stream", path)
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	want := []string{
		"zDxWB8ED3dHw7Hob9QRy364ZULERsk7CRtaLCfVD2igGJgsgdpfj",
		"zDxWB8EDFgcRM8hkGVPZVS12QaHCaB2RJtEiTFeTYjT568kHLKiD",
		"zDxWB8ED9HDXLKGLm5j6T2ZLirszCt5u6k9sxta47yhh7NJ9MKSq",
		"zDxWB8ED684WvSUqdpiPtJcUu9dw8yAyaQLUR1Vi6n7z7NdxW7xr",
		"zDxWB8EDCxejNnFHNHTcLgT4LovYkAA6KNXSNfc9mKzeYWb8kB2R",
	}
	if got.ManifestCID != "zDvZRwzm9XMMkNd58s3S1C6pkAinwgLNho8CteNHNEBsJHEKriSC" ||
		got.TreeCID != "zDzSvJTfGMa8FouSWhW4wpvpbtwBFpBAW2o6BtayAaG6qFjLLVbN" ||
		strings.Join(got.BlockCIDs, ",") != strings.Join(want, ",") {
		t.Errorf("storage hash --json = %+v, want the upstream 2026 manifest, tree and block CIDs", got)
	}
	out = run("storage", "hash", "--codex", "--filename", "data.bin", "--mimetype", "application/octet-stream", path)
	if !strings.Contains(out, "zDvZRwzmAnfHnFrPoDsgFyHgC68hdWfuY2poxzp1j2hF26C9ocjC") {
		t.Errorf("storage hash --codex =\n%s\nwant the nim-codex v0.2 manifest CID", out)
	}
	var stderr bytes.Buffer
	if code := cli.Main(context.Background(), cli.Env{Args: []string{"storage", "hash", filepath.Join(t.TempDir(), "missing")}, Stderr: &stderr}); code != cli.ExitError {
		t.Errorf("storage hash of a missing file = %d, want %d", code, cli.ExitError)
	}
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, nil, 0o644)
	stderr.Reset()
	if code := cli.Main(context.Background(), cli.Env{Args: []string{"storage", "hash", empty}, Stderr: &stderr}); code != cli.ExitError || !strings.Contains(stderr.String(), "empty") {
		t.Errorf("storage hash of an empty file = %d, %q; want an error saying it is empty", code, stderr.String())
	}
}

// TestStorageCommandsAgainstNode runs `cairn run` and drives it with
// `cairn storage upload/ls/space/download/rm`, checking that the CLI's
// upload gets the same manifest CID as `storage hash`.
func TestStorageCommandsAgainstNode(t *testing.T) {
	r := startRun(t, nil, "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0")
	api := strings.TrimPrefix(r.url, "http://")
	dir := t.TempDir()
	src := filepath.Join(dir, "photo.jpg")
	data := make([]byte, 200000) // 4 distinct blocks
	for i := range data {
		data[i] = byte(i*7 + i/65536)
	}
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cairn(t, nil, "storage", "upload", "--api", api, "--mimetype", "image/jpeg", src)
	if code != cli.ExitOK {
		t.Fatalf("storage upload = %d, stderr:\n%s", code, errs)
	}
	mc := strings.TrimSpace(out)
	_, hashOut, _ := cairn(t, nil, "storage", "hash", "--filename", "photo.jpg", "--mimetype", "image/jpeg", src)
	if !strings.Contains(hashOut, mc) {
		t.Errorf("upload CID %s is not the one storage hash prints:\n%s", mc, hashOut)
	}
	if code, out, _ := cairn(t, nil, "storage", "ls", "--api", api); code != cli.ExitOK || !strings.Contains(out, mc) || !strings.Contains(out, "photo.jpg") {
		t.Errorf("storage ls = %d:\n%s", code, out)
	}
	if code, out, _ := cairn(t, nil, "storage", "space", "--api", api); code != cli.ExitOK || !strings.Contains(out, "blocks    5") {
		t.Errorf("storage space = %d:\n%s", code, out)
	}
	dst := filepath.Join(dir, "out.jpg")
	if code, _, errs := cairn(t, nil, "storage", "download", "--api", api, "-o", dst, mc); code != cli.ExitOK {
		t.Fatalf("storage download = %d:\n%s", code, errs)
	}
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded file differs (%v)", err)
	}
	if code, _, errs := cairn(t, nil, "storage", "rm", "--api", api, mc); code != cli.ExitOK {
		t.Fatalf("storage rm = %d:\n%s", code, errs)
	}
	code, _, errs = cairn(t, nil, "storage", "download", "--api", api, "-o", filepath.Join(dir, "gone"), mc)
	if code != cli.ExitError || !strings.Contains(errs, "404") {
		t.Errorf("download after rm = %d, %q; want an error with 404", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "gone")); !os.IsNotExist(err) {
		t.Errorf("a failed download left %s behind", filepath.Join(dir, "gone"))
	}
	if code := r.stop(t); code != cli.ExitOK {
		t.Errorf("cairn run exit = %d", code)
	}
}
