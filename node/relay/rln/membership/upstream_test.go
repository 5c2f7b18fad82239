package membership_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

// The shared RLN vectors (node/relay/rln/testdata, see its SOURCE) hold a
// six-member tree made with zerokit, and a Waku message proved by member 3
// against its root.

type leHex struct {
	LEHex string `json:"le_hex"`
	Dec   string `json:"dec"`
}

func (v leHex) elem(t *testing.T) fr.Element {
	t.Helper()
	b, err := hex.DecodeString(v.LEHex)
	if err != nil {
		t.Fatal(err)
	}
	e, err := rln.DecodeField(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type protocolVectors struct {
	Tree struct {
		Members []struct {
			Index            uint64 `json:"index"`
			IDCommitment     leHex  `json:"id_commitment"`
			UserMessageLimit uint64 `json:"user_message_limit"`
			RateCommitment   leHex  `json:"rate_commitment"`
		} `json:"members"`
		Root leHex `json:"root"`
	} `json:"tree"`
	Vectors []struct {
		ID           string  `json:"id"`
		LeafIndex    uint64  `json:"leaf_index"`
		PathElements []leHex `json:"path_elements"`
		PathIndex    []uint8 `json:"identity_path_index"`
	} `json:"vectors"`
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
}

// upstreamGroup loads the vectors' tree through a static membership file
// written with decimal id commitments.
func upstreamGroup(t *testing.T) (*membership.Group, protocolVectors) {
	t.Helper()
	var pv protocolVectors
	readJSON(t, "../testdata/protocol-vectors.json", &pv)
	var file membership.StaticFile
	for _, m := range pv.Tree.Members {
		idx := m.Index
		file.Members = append(file.Members, membership.StaticMember{IDCommitment: m.IDCommitment.Dec, UserMessageLimit: m.UserMessageLimit, Index: &idx})
	}
	raw, err := json.MarshalIndent(file, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	members, err := membership.ParseStatic(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range pv.Tree.Members {
		if want := m.RateCommitment.elem(t); !members[i].RateCommitment.Equal(&want) {
			t.Errorf("member %d: rate commitment %s, upstream %s", i, members[i].RateCommitment.String(), want.String())
		}
	}
	g := newGroup(t)
	if _, err := g.Apply(members); err != nil {
		t.Fatal(err)
	}
	return g, pv
}

func TestUpstreamTree(t *testing.T) {
	g, pv := upstreamGroup(t)
	if got, want := g.Root(), pv.Tree.Root.elem(t); !got.Equal(&want) {
		t.Fatalf("Root() = %s, zerokit's %s", got.String(), want.String())
	}
	for _, v := range pv.Vectors {
		p, _, err := g.Proof(v.LeafIndex)
		if err != nil {
			t.Fatal(err)
		}
		for h, e := range v.PathElements {
			if want := e.elem(t); !p.PathElements[h].Equal(&want) || p.PathIndex[h] != v.PathIndex[h] {
				t.Errorf("%s: path level %d = %s/%d, zerokit's %s/%d", v.ID, h, p.PathElements[h].String(), p.PathIndex[h], want.String(), v.PathIndex[h])
			}
		}
	}
}

// TestValidatorAcceptsUpstreamMessageWithFedRoots runs the relay validator
// on roots that came from the group through FeedRoots.
func TestValidatorAcceptsUpstreamMessageWithFedRoots(t *testing.T) {
	g, _ := upstreamGroup(t)
	var rv struct {
		Vectors []struct {
			WakuMessage struct {
				PayloadHex   string `json:"payload_hex"`
				ContentTopic string `json:"content_topic"`
				TimestampNS  string `json:"timestamp_ns"`
			} `json:"waku_message"`
			RateLimitProofHex string `json:"rate_limit_proof_hex"`
		} `json:"vectors"`
	}
	readJSON(t, "../testdata/ratelimitproof-vectors.json", &rv)
	c := rv.Vectors[0]
	payload, err1 := hex.DecodeString(c.WakuMessage.PayloadHex)
	proof, err2 := hex.DecodeString(c.RateLimitProofHex)
	ts, err3 := strconv.ParseInt(c.WakuMessage.TimestampNS, 10, 64)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			t.Fatal(err)
		}
	}
	m := message.Message{Payload: payload, ContentTopic: c.WakuMessage.ContentTopic, Timestamp: ts, RateLimitProof: proof}
	v, err := rlnrelay.New(rlnrelay.Options{Now: func() time.Time { return time.Unix(0, ts) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if got := v.Validate(ctx, "/waku/2/rs/1/0", m); got != relay.Ignore {
		t.Fatalf("Validate before the roots are fed = %v, want Ignore", got)
	}
	done := make(chan error, 1)
	go func() { done <- membership.FeedRoots(ctx, g, v) }()
	deadline := time.Now().Add(10 * time.Second)
	got := relay.Ignore
	for got == relay.Ignore && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		got = v.Validate(ctx, "/waku/2/rs/1/0", m)
	}
	if got != relay.Accept {
		t.Errorf("Validate(upstream message) with fed roots = %v, want Accept", got)
	}
	cancel()
	<-done
}
