package node_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
	"github.com/cairn-node/cairn/node/relay/rln/membership/keystore"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

// rlnFixture is a static membership of two members: the node's own
// (index 0) and a spammer's (index 1).
type rlnFixture struct {
	members, keystore string
	own, spammer      rln.Identity
	tree              *rln.Tree
}

const (
	ownLimit     = 5
	spammerLimit = 2
)

func newRLNFixture(t *testing.T) rlnFixture {
	t.Helper()
	dir := t.TempDir()
	f := rlnFixture{members: filepath.Join(dir, "members.json"), keystore: filepath.Join(dir, "keystore.json"), tree: rln.NewTree()}
	var err error
	if f.own, err = rln.GenerateIdentity(); err != nil {
		t.Fatal(err)
	}
	if f.spammer, err = rln.GenerateIdentity(); err != nil {
		t.Fatal(err)
	}
	sf := membership.StaticFile{Members: []membership.StaticMember{
		{IDCommitment: membership.FormatField(f.own.Commitment), UserMessageLimit: ownLimit},
		{IDCommitment: membership.FormatField(f.spammer.Commitment), UserMessageLimit: spammerLimit},
	}}
	b, _ := json.Marshal(sf)
	if err := os.WriteFile(f.members, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f.tree.Set(0, rln.RateCommitment(f.own.Commitment, ownLimit))
	f.tree.Set(1, rln.RateCommitment(f.spammer.Commitment, spammerLimit))
	if err := keystore.Add(f.keystore, "test password", keystore.Credential{Identity: f.own, TreeIndex: 0, UserMessageLimit: ownLimit},
		keystore.Options{Iterations: 2}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f rlnFixture) config(t *testing.T, withKeystore bool) config.Config {
	c := testConfig(t)
	c.Waku.RLN.Enabled = true
	c.Waku.RLN.Membership = f.members
	if withKeystore {
		c.Waku.RLN.Keystore = f.keystore
	}
	return c
}

// spamProof makes the spammer's proof for m with message id 0 of epoch.
func (f rlnFixture) spamProof(t *testing.T, p *rln.Prover, m message.Message, epoch uint64) []byte {
	t.Helper()
	path, err := f.tree.Proof(1)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	pv, err := p.Prove(rln.ProveInput{IdentitySecret: f.spammer.SecretHash, UserMessageLimit: spammerLimit, MessageID: 0,
		Path: path, Signal: rlnrelay.Signal(m), ExternalNullifier: rln.ExternalNullifier(rln.EpochField(epoch), id)})
	if err != nil {
		t.Fatal(err)
	}
	rp, err := rln.NewRateLimitProof(pv, epoch, rln.DefaultRLNIdentifier)
	if err != nil {
		t.Fatal(err)
	}
	return rp.Encode()
}

// TestRLNRelay: three nodes with RLN on. A (a member, with its keystore)
// publishes over REST; the node proves the message itself and C receives
// it through B. B, which has no membership, cannot publish. A spammer that
// signals twice in one epoch with the same message id is caught by B,
// which recovers its identity secret.
func TestRLNRelay(t *testing.T) {
	t.Setenv(node.EnvRLNPassword, "test password")
	f := newRLNFixture(t)
	spam := make(chan rlnrelay.Spam, 4)
	logger := slog.New(slog.NewTextHandler(t.Output(), nil))
	start := func(cfg config.Config, opts ...node.Option) *node.Node {
		n, err := node.New(cfg, append(opts, node.WithLogger(logger))...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { n.Close() })
		if err := n.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a := start(f.config(t, true))
	b := start(f.config(t, false), node.WithRLNSpamHook(func(s rlnrelay.Spam) { spam <- s }))
	c := start(f.config(t, false))
	connect(t, b, a)
	connect(t, c, b)

	const ct = "/cairn/1/rln/proto"
	postJSON(t, c.URL()+"/relay/v1/auto/subscriptions", []string{ct})
	// Publish until C's mesh carries it (meshes form on the 1 s heartbeat);
	// each publish spends one of A's messages of the epoch.
	received := func() bool {
		var msgs []struct {
			Payload []byte `json:"payload"`
		}
		getJSON(t, c.URL()+"/relay/v1/auto/messages/"+url.PathEscape(ct), &msgs)
		return len(msgs) > 0 && string(msgs[0].Payload) == "proved by A"
	}
	got := false
	for sent := 0; sent < ownLimit && !got; sent++ {
		postJSON(t, a.URL()+"/relay/v1/auto/messages", map[string]any{"payload": []byte("proved by A"), "contentTopic": ct})
		for wait := time.Now().Add(5 * time.Second); time.Now().Before(wait) && !got; {
			if got = received(); !got {
				time.Sleep(200 * time.Millisecond)
			}
		}
	}
	if !got {
		t.Fatalf("C received nothing after A used its %d messages of the epoch", ownLimit)
	}

	// B has no membership: its REST publish fails and says why.
	body, _ := json.Marshal(map[string]any{"payload": []byte("no proof"), "contentTopic": ct})
	resp, err := http.Post(b.URL()+"/relay/v1/auto/messages", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == 200 || !strings.Contains(string(msg), "membership") {
		t.Errorf("publish on B without a membership = %d %s, want an error naming the membership", resp.StatusCode, msg)
	}

	// The spammer: a bare relay host next to B, two messages, one message id.
	h, err := libp2p.New(libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := h.Connect(ctx, addrInfo(t, b)); err != nil {
		t.Fatal(err)
	}
	r, err := relay.New(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctp, _ := message.ParseContentTopic(ct)
	topic := message.Shard(ctp, message.DefaultClusterID, message.DefaultShardCount).String()
	sub, err := r.Subscribe(topic) // join the mesh, as a relay peer does
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Cancel()
	prover, err := rln.NewProver()
	if err != nil {
		t.Fatal(err)
	}
	epoch := uint64(time.Now().Unix()) / 600
	for i := 0; ; i++ {
		m := message.Message{Payload: []byte("spam " + string(rune('a'+i))), ContentTopic: ct, Timestamp: time.Now().UnixNano()}
		m.RateLimitProof = f.spamProof(t, prover, m, epoch)
		_, _ = r.Publish(ctx, topic, m) // our own validator is not installed; B's catches it
		select {
		case s := <-spam:
			if !s.Secret.Equal(&f.spammer.SecretHash) {
				t.Fatalf("recovered secret %s, want the spammer's %s", s.Secret.String(), f.spammer.SecretHash.String())
			}
			if s.Epoch != epoch {
				t.Errorf("spam epoch %d, want %d", s.Epoch, epoch)
			}
			checkSlashingRecord(t, b, f)
			return
		case <-time.After(700 * time.Millisecond):
		case <-ctx.Done():
			t.Fatal("B never reported the spammer")
		}
	}
}

// checkSlashingRecord waits for n's slashing record of the spammer.
func checkSlashingRecord(t *testing.T, n *node.Node, f rlnFixture) {
	t.Helper()
	dir := filepath.Join(n.Config().DataDir, "rln", node.SlashingDir)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		if len(files) > 0 {
			b, err := os.ReadFile(files[0])
			if err != nil {
				t.Fatal(err)
			}
			var r node.SlashingRecord
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatal(err)
			}
			if r.IDCommitment != membership.FormatField(f.spammer.Commitment) || r.Index == nil || *r.Index != 1 || r.UserMessageLimit != spammerLimit {
				t.Errorf("slashing record %+v, want the spammer's commitment at index 1 with limit %d", r, spammerLimit)
			}
			if st, _ := os.Stat(files[0]); st.Mode().Perm() != 0o600 {
				t.Errorf("slashing record mode %v, want 0600 (it holds a secret)", st.Mode().Perm())
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no slashing record written")
		}
	}
}

// TestRLNStartErrors: a membership file or keystore that cannot be used
// makes Start fail with an error that names the setting, never a panic,
// and the node closes cleanly.
func TestRLNStartErrors(t *testing.T) {
	f := newRLNFixture(t)
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"members": [{"id_commitment": "0x0", "user_message_limit": 1}]}`), 0o600)
	for _, tc := range []struct {
		name, want string
		edit       func(*config.Config)
	}{
		{"missing membership file", "waku.rln.membership", func(c *config.Config) { c.Waku.RLN.Membership = filepath.Join(t.TempDir(), "none.json") }},
		{"bad member", "waku.rln.membership", func(c *config.Config) { c.Waku.RLN.Membership = bad }},
		{"wrong keystore password", "waku.rln.keystore", func(c *config.Config) { c.Waku.RLN.Keystore = f.keystore }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(node.EnvRLNPassword, "not the password")
			cfg := f.config(t, false)
			tc.edit(&cfg)
			n := newNode(t, cfg)
			err := n.Start(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Start = %v, want an error naming %s", err, tc.want)
			}
			if err := n.Close(); err != nil {
				t.Errorf("Close after a failed start: %v", err)
			}
		})
	}
}
