package message_test

import (
	"errors"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
)

// TestShardNwaku checks the autosharding results of waku-org/nwaku
// tests/waku_core/topics/test_sharding.nim @ 7d1c6abaacba3e05edb57fa177381602b71b9b98
// ("Generate Gen0 Shard", cluster 1, 8 shards).
func TestShardNwaku(t *testing.T) {
	for _, c := range []struct {
		topic string
		shard uint16
	}{
		{"/toychat/2/huilong/proto", 3},
		{"/0/toychat/2/huilong/proto", 3},
		{"/toychat2/2/huilong/proto", 6},
		{"/0/toychat2/2/huilong/proto", 6},
		{"/toychat/2/huilong/proto2", 3},
		{"/0/toychat/2/huilong/proto2", 3},
		{"/0/toychat/4/huilong/proto2", 7},
	} {
		ct, err := message.ParseContentTopic(c.topic)
		if err != nil {
			t.Fatalf("ParseContentTopic(%q) = %v", c.topic, err)
		}
		want := message.PubsubTopic{Cluster: 1, Shard: c.shard}
		if got := message.Shard(ct, message.DefaultClusterID, message.DefaultShardCount); got != want {
			t.Errorf("Shard(%q, 1, 8) = %v, want %v", c.topic, got, want)
		}
	}
}

func TestParseContentTopic(t *testing.T) {
	for _, c := range []struct {
		in   string
		want message.ContentTopic
	}{
		{"/toychat/2/huilong/proto", message.ContentTopic{Application: "toychat", Version: "2", Name: "huilong", Encoding: "proto"}},
		{"/0/foo/1/bar/proto", message.ContentTopic{Generation0: true, Application: "foo", Version: "1", Name: "bar", Encoding: "proto"}},
	} {
		got, err := message.ParseContentTopic(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseContentTopic(%q) = %+v, %v, want %+v", c.in, got, err, c.want)
		}
		if s := got.String(); s != c.in {
			t.Errorf("ParseContentTopic(%q).String() = %q", c.in, s)
		}
	}
	for _, in := range []string{
		"", "invalid", "toychat/2/huilong/proto", "/toychat/2/huilong", "/a/b/c/d/e/f",
		"//2/huilong/proto", "/toychat//huilong/proto", "/toychat/2//proto", "/toychat/2/huilong/",
		"//toychat/2/huilong/proto", "/x/toychat/2/huilong/proto", "/1/toychat/2/huilong/proto",
		"/00/toychat/2/huilong/proto",
	} {
		if got, err := message.ParseContentTopic(in); !errors.Is(err, message.ErrInvalidContentTopic) {
			t.Errorf("ParseContentTopic(%q) = %+v, %v, want ErrInvalidContentTopic", in, got, err)
		}
	}
	if _, err := message.ParseContentTopic("/1/toychat/2/huilong/proto"); !errors.Is(err, message.ErrUnsupportedGeneration) {
		t.Errorf("ParseContentTopic(generation 1) = %v, want ErrUnsupportedGeneration", err)
	}
}

func TestPubsubTopic(t *testing.T) {
	for _, c := range []struct {
		in   string
		want message.PubsubTopic
	}{
		{"/waku/2/rs/1/3", message.PubsubTopic{Cluster: 1, Shard: 3}},
		{"/waku/2/rs/0/0", message.PubsubTopic{}},
		{"/waku/2/rs/65535/1023", message.PubsubTopic{Cluster: 65535, Shard: 1023}},
	} {
		got, err := message.ParsePubsubTopic(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParsePubsubTopic(%q) = %+v, %v, want %+v", c.in, got, err, c.want)
		}
		if s := c.want.String(); s != c.in {
			t.Errorf("%+v.String() = %q, want %q", c.want, s, c.in)
		}
	}
	for _, in := range []string{
		"", "invalid", "/waku/2/rs/1", "/waku/2/rs/1/", "/waku/2/rs//3", "/waku/2/rs/1/3/", "/waku/2/rs/1/3/4",
		"/waku/2/rs/01/3", "/waku/2/rs/1/+3", "/waku/2/rs/65536/0", "/waku/2/rs/1/-1", "/waku/2/default-waku/proto",
	} {
		if got, err := message.ParsePubsubTopic(in); !errors.Is(err, message.ErrInvalidPubsubTopic) {
			t.Errorf("ParsePubsubTopic(%q) = %+v, %v, want ErrInvalidPubsubTopic", in, got, err)
		}
	}
}

func TestShardBounds(t *testing.T) {
	ct := message.ContentTopic{Application: "a", Version: "1", Name: "n", Encoding: "e"}
	if got := message.Shard(ct, 7, 1); got != (message.PubsubTopic{Cluster: 7}) {
		t.Errorf("Shard(%v, 7, 1) = %v, want /waku/2/rs/7/0", ct, got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Shard(ct, 1, 0) did not panic")
		}
	}()
	message.Shard(ct, 1, 0)
}
