package message_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
)

type hashVector struct {
	PubsubTopic  string  `json:"pubsub_topic"`
	PayloadHex   string  `json:"payload_hex"`
	ContentTopic string  `json:"content_topic"`
	MetaHex      *string `json:"meta_hex"`
	TimestampNS  string  `json:"timestamp_ns"`
	HashHex      string  `json:"message_hash_hex"`
}

// loadHashVectors reads testdata/message_hash.json (see testdata/SOURCE).
func loadHashVectors(t testing.TB) []hashVector {
	t.Helper()
	b, err := os.ReadFile("testdata/message_hash.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		MessageHash []hashVector `json:"message_hash"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.MessageHash) == 0 {
		t.Fatal("no message_hash vectors")
	}
	return f.MessageHash
}

func TestHashSharedVectors(t *testing.T) {
	for i, v := range loadHashVectors(t) {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			ts, err := strconv.ParseInt(v.TimestampNS, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			m := message.Message{Payload: unhex(t, v.PayloadHex), ContentTopic: v.ContentTopic, Timestamp: ts}
			if v.MetaHex != nil {
				m.Meta = unhex(t, *v.MetaHex)
			}
			h := message.Hash(v.PubsubTopic, m)
			if got := hex.EncodeToString(h[:]); got != v.HashHex {
				t.Errorf("Hash(%q, %+v) = %s, want %s", v.PubsubTopic, m, got, v.HashHex)
			}
		})
	}
}

// TestHashNwaku checks the vectors of waku-org/nwaku
// tests/waku_core/test_message_digest.nim @ 7d1c6abaacba3e05edb57fa177381602b71b9b98.
func TestHashNwaku(t *testing.T) {
	const (
		pubsub  = "/waku/2/rs/0/0"
		content = "/waku/2/default-content/proto"
		ts      = 1681964442 * 1_000_000_000 // 0x175789bfa23f8400
	)
	payload := unhex(t, "010203045445535405060708")
	meta64 := make([]byte, 64)
	for i := range meta64 {
		meta64[i] = byte(i)
	}
	for _, c := range []struct {
		name    string
		payload []byte
		meta    []byte
		want    string
	}{
		{"empty meta", payload, nil, "cccab07fed94181c83937c8ca8340c9108492b7ede354a6d95421ad34141fd37"},
		{"meta 12 bytes", payload, []byte("super-secret"), "b9b4852f9d8c489846e8bfc6c5ca6a1a8d460a40d28832a966e029eb39619199"},
		{"meta 64 bytes", payload, meta64, "653460d04f66c5b11814d235152f4f246e6f03ef80a305a825913636fbafd0ba"},
		{"zero length payload", nil, []byte("super-secret"), "0f6448cc23b2db6c696aa6ab4b693eff4cf3549ff346fe1dbeb281697396a09f"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := message.Message{Payload: c.payload, ContentTopic: content, Meta: c.meta, Timestamp: ts}
			h := message.Hash(pubsub, m)
			if got := hex.EncodeToString(h[:]); got != c.want {
				t.Errorf("Hash(%q, %+v) = %s, want %s", pubsub, m, got, c.want)
			}
		})
	}
}

// TestHashIgnores checks that the fields outside the preimage do not change
// the hash, and that a zero timestamp still contributes 8 bytes.
func TestHashIgnores(t *testing.T) {
	m := message.Message{Payload: []byte("p"), ContentTopic: "/a/1/b/c"}
	h := message.Hash("/waku/2/rs/1/0", m)
	m2 := m
	m2.Version, m2.Ephemeral, m2.RateLimitProof = 1, true, []byte{1, 2}
	if h2 := message.Hash("/waku/2/rs/1/0", m2); h2 != h {
		t.Errorf("Hash changed with version/ephemeral/proof: %x vs %x", h2, h)
	}
	m3 := m
	m3.Meta = make([]byte, 8) // the same bytes as a zero timestamp, one place earlier
	if h3 := message.Hash("/waku/2/rs/1/0", m3); h3 == h {
		t.Errorf("Hash ignores the zero timestamp: %x", h)
	}
}
