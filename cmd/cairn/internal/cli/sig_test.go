package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
)

// TestSigGenAndVerifyBatch writes batches with `sig gen` and checks the
// output and exit status of `sig verify-batch`, locally and from stdin.
func TestSigGenAndVerifyBatch(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if code, _, errs := cairn(t, nil, "sig", "gen", "--scheme", "bls12-381", "-n", "5", "--same-message", "-o", good); code != cli.ExitOK {
		t.Fatalf("sig gen = %d: %s", code, errs)
	}
	if code, out, errs := cairn(t, nil, "sig", "verify-batch", good); code != cli.ExitOK || out != "5 of 5 signatures valid, 0 failed\n" {
		t.Errorf("verify-batch good = %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, _ := cairn(t, nil, "sig", "verify-batch", "--json", good); code != cli.ExitOK || out != `{"valid": 5, "failed": []}`+"\n" {
		t.Errorf("verify-batch --json good = %d, %q", code, out)
	}

	code, bad, errs := cairn(t, nil, "sig", "gen", "--scheme", "ed25519", "-n", "6", "--bad", "4,1")
	if code != cli.ExitOK {
		t.Fatalf("sig gen --bad = %d: %s", code, errs)
	}
	// Append a malformed secp256k1 item: its line says why.
	bad = strings.TrimSuffix(strings.TrimSpace(bad), "]") + `, {"scheme": "secp256k1", "public_key": "05", "message": "", "signature": ""}]`
	badFile := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badFile, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cairn(t, nil, "sig", "verify-batch", badFile)
	want := "item 1 (ed25519): FAILED: signature does not verify\n" +
		"item 4 (ed25519): FAILED: signature does not verify\n" +
		"item 6 (secp256k1): FAILED: sigbatch: malformed item: secp256k1: public key is 1 bytes starting 05, want 33 bytes starting 02 or 03, or 65 starting 04\n" +
		"4 of 7 signatures valid, 3 failed\n"
	if code != cli.ExitError || out != want || errs != "" {
		t.Errorf("verify-batch bad = %d, stdout\n%s\nstderr %q; want exit 1 and\n%s", code, out, errs, want)
	}
	var stdout, stderr bytes.Buffer
	code = cli.Main(t.Context(), cli.Env{Args: []string{"sig", "verify-batch", "--json", "-"}, Stdin: strings.NewReader(bad), Stdout: &stdout, Stderr: &stderr})
	if code != cli.ExitError || stdout.String() != `{"valid": 4, "failed": [1, 4, 6]}`+"\n" {
		t.Errorf("verify-batch --json - = %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
}

// TestSigAggregate: `sig gen --aggregate` writes one aggregate item that
// verifies, and one that holds a bad signature that does not.
func TestSigAggregate(t *testing.T) {
	code, out, errs := cairn(t, nil, "sig", "gen", "--scheme", "bls12-381", "-n", "40", "--aggregate")
	if code != cli.ExitOK || strings.Count(out, "public_keys") != 1 {
		t.Fatalf("sig gen --aggregate = %d, %d aggregate items, stderr %q", code, strings.Count(out, "public_keys"), errs)
	}
	_, bad, _ := cairn(t, nil, "sig", "gen", "--scheme", "bls12-381", "-n", "40", "--aggregate", "--bad", "39")
	batch := strings.TrimSuffix(strings.TrimSpace(out), "]") + "," + strings.TrimPrefix(strings.TrimSpace(bad), "[")
	var stdout, stderr bytes.Buffer
	code = cli.Main(t.Context(), cli.Env{Args: []string{"sig", "verify-batch", "--json", "-"}, Stdin: strings.NewReader(batch), Stdout: &stdout, Stderr: &stderr})
	if code != cli.ExitError || stdout.String() != `{"valid": 1, "failed": [1]}`+"\n" {
		t.Errorf("verify-batch of a good and a bad aggregate = %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if code, _, errs := cairn(t, nil, "sig", "gen", "--scheme", "ed25519", "-n", "2", "--aggregate"); code != cli.ExitUsage {
		t.Errorf("sig gen --aggregate for ed25519 = %d (%s), want a usage error", code, errs)
	}
}

// TestSigVerifyBatchAPI verifies a mixed batch on a running node.
func TestSigVerifyBatchAPI(t *testing.T) {
	r := startRun(t, nil, "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0")
	api := strings.TrimPrefix(r.url, "http://")
	f := filepath.Join(t.TempDir(), "batch.json")
	_, secp, _ := cairn(t, nil, "sig", "gen", "--scheme", "secp256k1", "-n", "3", "--bad", "0")
	if err := os.WriteFile(f, []byte(secp), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cairn(t, nil, "sig", "verify-batch", "--api", api, "--json", f); code != cli.ExitError || out != `{"valid": 2, "failed": [0]}`+"\n" {
		t.Errorf("verify-batch --api = %d, stdout %q, stderr %q", code, out, errs)
	}
	if code := r.stop(t); code != cli.ExitOK {
		t.Errorf("cairn run exit = %d", code)
	}
}

func TestSigErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(f, []byte(`[{"scheme": "ed25519", "public_key": "zz", "message": "", "signature": ""}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"sig", "verify-batch", f}, cli.ExitError, "item 0: public_key: not hex"},
		{[]string{"sig", "verify-batch", filepath.Join(t.TempDir(), "missing.json")}, cli.ExitError, "no such file"},
		{[]string{"sig", "verify-batch"}, cli.ExitUsage, "one FILE argument"},
		{[]string{"sig", "gen", "--scheme", "rsa", "-n", "1"}, cli.ExitUsage, `unknown scheme "rsa"`},
		{[]string{"sig", "gen", "--scheme", "ed25519", "-n", "2", "--bad", "2"}, cli.ExitUsage, "want item indices in [0, 2)"},
	} {
		code, _, errs := cairn(t, nil, c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("cairn %s = %d, stderr %q; want %d and %q", strings.Join(c.args, " "), code, errs, c.code, c.want)
		}
	}
}
