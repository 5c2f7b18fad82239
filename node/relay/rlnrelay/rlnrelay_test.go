package rlnrelay

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay"
	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// upstreamMessage is the Waku message of the shared RLN vector
// public-A/msgid-0 with its RateLimitProof (node/relay/rln/testdata, see
// its SOURCE), the clock at its timestamp and its root.
func upstreamMessage(t *testing.T) (message.Message, time.Time, fr.Element) {
	t.Helper()
	raw, err := os.ReadFile("../rln/testdata/ratelimitproof-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Vectors []struct {
			WakuMessage struct {
				PayloadHex   string `json:"payload_hex"`
				ContentTopic string `json:"content_topic"`
				TimestampNS  string `json:"timestamp_ns"`
			} `json:"waku_message"`
			RateLimitProofHex string `json:"rate_limit_proof_hex"`
			MerkleRootLEHex   string `json:"merkle_root_le_hex"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &v); err != nil || len(v.Vectors) == 0 {
		t.Fatalf("vectors: %v", err)
	}
	c := v.Vectors[0]
	payload, _ := hex.DecodeString(c.WakuMessage.PayloadHex)
	proof, _ := hex.DecodeString(c.RateLimitProofHex)
	ts, _ := strconv.ParseInt(c.WakuMessage.TimestampNS, 10, 64)
	rb, _ := hex.DecodeString(c.MerkleRootLEHex)
	root, err := rln.DecodeField(rb)
	if err != nil {
		t.Fatal(err)
	}
	m := message.Message{Payload: payload, ContentTopic: c.WakuMessage.ContentTopic, Timestamp: ts, RateLimitProof: proof}
	return m, time.Unix(0, ts), root
}

func TestValidateUpstreamMessage(t *testing.T) {
	m, now, root := upstreamMessage(t)
	clock := now
	v, err := New(Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got := v.Validate(ctx, "/waku/2/rs/1/0", m); got != relay.Ignore {
		t.Errorf("Validate before the root is known = %v, want Ignore", got)
	}
	v.AddRoot(root)
	if got := v.Validate(ctx, "/waku/2/rs/1/0", m); got != relay.Accept {
		t.Fatalf("Validate(upstream message) = %v, want Accept", got)
	}
	if got := v.Validate(ctx, "/waku/2/rs/1/0", m); got != relay.Ignore {
		t.Errorf("Validate(same message again) = %v, want Ignore (duplicate)", got)
	}
	tampered := m
	tampered.Payload = append([]byte("X"), m.Payload[1:]...)
	if got := v.Validate(ctx, "/waku/2/rs/1/0", tampered); got != relay.Reject {
		t.Errorf("Validate(payload changed) = %v, want Reject", got)
	}
	noProof := m
	noProof.RateLimitProof = nil
	if got := v.Validate(ctx, "/waku/2/rs/1/0", noProof); got != relay.Reject {
		t.Errorf("Validate(no proof) = %v, want Reject", got)
	}
	garbled := m
	garbled.RateLimitProof = append([]byte{0xff}, m.RateLimitProof...)
	if got := v.Validate(ctx, "/waku/2/rs/1/0", garbled); got != relay.Reject {
		t.Errorf("Validate(garbled proof) = %v, want Reject", got)
	}
	clock = now.Add(time.Hour)
	if got := v.Validate(ctx, "/waku/2/rs/1/0", m); got != relay.Ignore {
		t.Errorf("Validate(an hour later) = %v, want Ignore (stale)", got)
	}
}

// TestDoubleSignal feeds the nullifier log two shares of one member in one
// epoch (computed with the vector identity's secret for two signals) and
// expects Reject and the member's secret recovered.
func TestDoubleSignal(t *testing.T) {
	sb, _ := hex.DecodeString("d4efa37570a257bdccc4828a7f3df797ead1ec9b52fc040589034a396f7caa23") // public-A identity_secret_hash
	secret, err := rln.DecodeField(sb)
	if err != nil {
		t.Fatal(err)
	}
	var got []Spam
	v, err := New(Options{OnSpam: func(s Spam) { got = append(got, s) }})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	ext := rln.ExternalNullifier(rln.EpochField(7), id)
	x1, x2 := rln.SignalX([]byte("first")), rln.SignalX([]byte("second"))
	y1, null1, _ := rln.Shares(secret, ext, 3, x1)
	y2, null2, _ := rln.Shares(secret, ext, 3, x2)
	if !null1.Equal(&null2) {
		t.Fatal("same member, epoch and message id gave two nullifiers")
	}
	nb := null1.Bytes() // the log keys on the nullifier's bytes
	if v.checkNullifier(7, nb, share{x1, y1}) != relay.Accept {
		t.Fatal("first share not accepted")
	}
	if v.checkNullifier(7, nb, share{x2, y2}) != relay.Reject {
		t.Fatal("second share with another signal not rejected")
	}
	if len(got) != 1 || !got[0].Secret.Equal(&secret) {
		t.Fatalf("OnSpam got %+v, want the member's secret", got)
	}
	if v.checkNullifier(8, nb, share{x2, y2}) != relay.Accept {
		t.Error("the same nullifier bytes in another epoch were not accepted")
	}
}
