package store_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/node/waku/store"
)

// jswakuDirEnv names a directory with node_modules for
// testdata/interop/jswaku_store.mjs and dist/store_v3.mjs (see
// testdata/SOURCE); without it TestJSWakuClient is skipped.
const jswakuDirEnv = "CAIRN_JSWAKU_DIR"

// TestJSWakuClient pages through 150 messages of topic A with js-waku's
// store client code on js-libp2p, in both directions, 40 a page.
func TestJSWakuClient(t *testing.T) {
	dir := os.Getenv(jswakuDirEnv)
	if dir == "" {
		t.Skip("set " + jswakuDirEnv + " to run js-waku's store client (testdata/SOURCE says how)")
	}
	script, err := os.ReadFile(filepath.Join("testdata", "interop", "jswaku_store.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	// ES modules resolve imports from the script's own directory.
	path := filepath.Join(dir, "cairn_jswaku_store.mjs")
	if err := os.WriteFile(path, script, 0o644); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, 200, store.ServerOptions{})
	var want, payloads []string
	for _, s := range f.msgs {
		if s.topic == topicA {
			want = append(want, hex.EncodeToString(s.hash[:]))
			payloads = append(payloads, hex.EncodeToString(s.m.Payload))
		}
	}
	addr := f.server.Addrs()[0].String() + "/p2p/" + f.server.ID().String()
	for _, forward := range []string{"true", "false"} {
		out, err := exec.CommandContext(ctx(t), "node", path, addr, topicA, ctChat, forward, "40").Output()
		if err != nil {
			t.Fatalf("js-waku client (forward=%s): %v\n%s", forward, err, out)
		}
		var got struct {
			Pages    int
			Hashes   []string
			Payloads []string
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("js-waku client output %q: %v", out, err)
		}
		if got.Pages != 4 || !slices.Equal(got.Hashes, want) || !slices.Equal(got.Payloads, payloads) {
			t.Errorf("js-waku client (forward=%s): %d pages, %d hashes; want 4 pages, the %d messages of topic A in order", forward, got.Pages, len(got.Hashes), len(want))
		}
	}
}
