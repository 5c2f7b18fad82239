package message_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
)

// FuzzDecode checks that Decode never panics, fails only with ErrMalformed,
// and that what it accepts re-encodes to bytes that decode to the same
// message and re-encode identically. Seeds: encodeCases and
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, c := range encodeCases {
		f.Add(c.m.Encode())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := message.Decode(data)
		if err != nil {
			if !errors.Is(err, message.ErrMalformed) || !reflect.DeepEqual(m, message.Message{}) {
				t.Fatalf("Decode(%x) = %+v, %v, want zero Message, ErrMalformed", data, m, err)
			}
			return
		}
		enc := m.Encode()
		m2, err := message.Decode(enc)
		if err != nil || !reflect.DeepEqual(m2, m) {
			t.Fatalf("Decode(Encode(Decode(%x))) = %+v, %v, want %+v", data, m2, err, m)
		}
		if enc2 := m2.Encode(); !bytes.Equal(enc2, enc) {
			t.Fatalf("Encode unstable: %x then %x", enc, enc2)
		}
		_ = message.Hash("/waku/2/rs/1/0", m)
	})
}

// FuzzParseContentTopic checks that ParseContentTopic never panics, fails
// only with ErrInvalidContentTopic, round-trips through String, and that
// Shard accepts whatever it returns.
func FuzzParseContentTopic(f *testing.F) {
	for _, s := range []string{
		"/toychat/2/huilong/proto", "/0/toychat/2/huilong/proto", "/1/toychat/2/huilong/proto",
		"/waku/2/default-content/proto", "invalid", "//a/b/c", "/a/b/c/d/e/f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ct, err := message.ParseContentTopic(s)
		if err != nil {
			if !errors.Is(err, message.ErrInvalidContentTopic) {
				t.Fatalf("ParseContentTopic(%q) = %v, want ErrInvalidContentTopic", s, err)
			}
			return
		}
		if got := ct.String(); got != s {
			t.Fatalf("ParseContentTopic(%q).String() = %q", s, got)
		}
		p := message.Shard(ct, message.DefaultClusterID, message.DefaultShardCount)
		if p.Cluster != message.DefaultClusterID || p.Shard >= message.DefaultShardCount {
			t.Fatalf("Shard(%q) = %v", s, p)
		}
		if q, err := message.ParsePubsubTopic(p.String()); err != nil || q != p {
			t.Fatalf("ParsePubsubTopic(%q) = %v, %v", p.String(), q, err)
		}
	})
}
