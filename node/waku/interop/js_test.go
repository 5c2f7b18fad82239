package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// jsDir returns the absolute path of the npm project, skipping the test
// (or failing it under CI) when its packages are not installed.
func jsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("js")
	if err != nil {
		t.Fatal(err)
	}
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node (Node.js 20 or newer) is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "@waku")); err != nil {
		missing = "the npm packages are not installed; run: (cd node/waku/interop/js && npm ci)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return dir
}

// runNode runs a script of js/ with Node.js, the polyfill preloaded, args
// after it and stdin as its input, and decodes the one JSON object it
// prints into out. It fails the test when the script cannot run; the
// script's own verdict is in out.
func runNode(t *testing.T, timeout time.Duration, script string, stdin []byte, out any, args ...string) {
	t.Helper()
	dir := jsDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", append([]string{"--import", "./polyfill.mjs", script}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	line := bytes.TrimSpace(stdout.Bytes())
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	if jerr := json.Unmarshal(line, out); jerr != nil {
		t.Fatalf("node %s: %v (exit: %v)\nstdout:\n%s\nstderr:\n%s", script, jerr, err, stdout.String(), tail(stderr.String(), 4000))
	}
	if err != nil {
		t.Logf("node %s exited with %v; stderr:\n%s", script, err, tail(stderr.String(), 4000))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
