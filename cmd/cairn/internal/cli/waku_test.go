package cli_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
)

// runWaku runs cairn with args in-process.
func runWaku(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), cli.Env{Args: args, Stdout: &stdout, Stderr: &stderr})
	return code, stdout.String(), stderr.String()
}

// TestWakuHash checks the first message_hash vector of the shared vectors
// (shared/vectors/rln/vectors.json, made with @waku/message-hash@0.1.19;
// nwaku's computeMessageHash agrees for non-zero timestamps).
func TestWakuHash(t *testing.T) {
	args := []string{"waku", "hash", "--pubsub-topic", "/waku/2/rs/1/0", "--content-topic", "/cairn/1/chat/proto",
		"--payload-hex", "68656c6c6f20636169726e", "--timestamp", "1700000000123456789"}
	code, out, errOut := runWaku(t, args...)
	const want = "264d279e8649787498c1ffdd96c38c3b8a87a65e5b241d7821ff143fd6efda24\n"
	if code != cli.ExitOK || out != want {
		t.Errorf("cairn %s = %d, %q (stderr %q), want 0, %q", strings.Join(args, " "), code, out, errOut, want)
	}
	// The second vector, with meta and an empty payload.
	args = []string{"waku", "hash", "--pubsub-topic", "/waku/2/rs/1/0", "--content-topic", "/waku/2/default-content/proto",
		"--meta-hex", "6d6574612d6279746573", "--timestamp", "1700000000000000000"}
	code, out, errOut = runWaku(t, args...)
	const want2 = "655bf433ebdfd4499e8ce0edd3914981f71a3560b93ef12a75977adc3d4fca8c\n"
	if code != cli.ExitOK || out != want2 {
		t.Errorf("cairn %s = %d, %q (stderr %q), want 0, %q", strings.Join(args, " "), code, out, errOut, want2)
	}
	for _, bad := range [][]string{
		{"waku", "hash", "--content-topic", "/a/1/b/c"},
		{"waku", "hash", "--pubsub-topic", "/waku/2/rs/1/0", "--content-topic", "/a/1/b/c", "--payload-hex", "zz"},
		{"waku", "hash", "--pubsub-topic", "/waku/2/rs/1/0", "--content-topic", "/a/1/b/c", "extra"},
	} {
		if code, _, _ := runWaku(t, bad...); code != cli.ExitUsage {
			t.Errorf("cairn %s = %d, want %d", strings.Join(bad, " "), code, cli.ExitUsage)
		}
	}
}

// TestWakuShard checks autosharding results from waku-org/nwaku
// tests/waku_core/topics/test_sharding.nim @ 7d1c6abaacba3e05edb57fa177381602b71b9b98.
func TestWakuShard(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"waku", "shard", "/toychat/2/huilong/proto"}, "/waku/2/rs/1/3\n"},
		{[]string{"waku", "shard", "/0/toychat/4/huilong/proto2", "--cluster", "1", "--shards", "8"}, "/waku/2/rs/1/7\n"},
		{[]string{"waku", "shard", "--cluster", "0", "/toychat2/2/huilong/proto"}, "/waku/2/rs/0/6\n"},
	} {
		code, out, errOut := runWaku(t, c.args...)
		if code != cli.ExitOK || out != c.want {
			t.Errorf("cairn %s = %d, %q (stderr %q), want 0, %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}
	for _, bad := range [][]string{
		{"waku", "shard"},
		{"waku", "shard", "invalid"},
		{"waku", "shard", "/1/toychat/2/huilong/proto"},
		{"waku", "shard", "--shards", "0", "/toychat/2/huilong/proto"},
	} {
		if code, _, _ := runWaku(t, bad...); code != cli.ExitUsage {
			t.Errorf("cairn %s = %d, want %d", strings.Join(bad, " "), code, cli.ExitUsage)
		}
	}
}

// TestWakuPublishSubscribe runs two nodes connected over libp2p; `cairn
// waku subscribe -n 1` on B prints the message `cairn waku publish` sent
// through A.
func TestWakuPublishSubscribe(t *testing.T) {
	a := startRun(t, nil, "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0", "--listen", "/ip4/127.0.0.1/tcp/0")
	b := startRun(t, nil, "--data-dir", t.TempDir(), "--api-addr", "127.0.0.1:0", "--listen", "/ip4/127.0.0.1/tcp/0")
	var info struct {
		ID    string   `json:"id"`
		Addrs []string `json:"addrs"`
	}
	if err := json.Unmarshal(httpGet(t, a.url+"/api/storage/v1/debug/info"), &info); err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSuffix(info.Addrs[0], "/p2p/"+info.ID)
	httpGet(t, b.url+"/api/storage/v1/connect/"+info.ID+"?addrs="+addr)

	const ct = "/cairn/1/cli-test/proto"
	done := make(chan string, 1)
	go func() {
		_, out, errs := cairn(t, nil, "waku", "subscribe", "--api", b.url, "--every", "100ms", "-n", "1", ct)
		done <- out + errs
	}()
	deadline := time.After(20 * time.Second)
	for {
		if code, _, errs := cairn(t, nil, "waku", "publish", "--api", a.url, "--content-topic", ct, "--payload", "hi from the CLI"); code != cli.ExitOK {
			t.Fatalf("waku publish = %d: %s", code, errs)
		}
		select {
		case out := <-done:
			if !strings.Contains(out, `"contentTopic":"`+ct+`"`) || !strings.Contains(out, base64.StdEncoding.EncodeToString([]byte("hi from the CLI"))) {
				t.Fatalf("waku subscribe printed %q", out)
			}
			return
		case <-deadline:
			t.Fatal("waku subscribe printed nothing within 20s")
		case <-time.After(300 * time.Millisecond):
		}
	}
}
