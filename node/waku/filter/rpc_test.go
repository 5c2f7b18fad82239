package filter_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/filter"
	"github.com/cairn-node/cairn/node/waku/internal/wakutest"
)

func ptr(s string) *string { return &s }

// The golden encodings follow nwaku's rpc_codec.nim field by field:
// key bytes 0a = field 1 bytes, 10 = field 2 varint, 50 = field 10 varint,
// 52 = field 10 bytes, 5a = field 11 bytes, 12 = field 2 bytes.
var (
	topic   = "/waku/2/rs/1/0" // 2f77616b752f322f72732f312f30
	ctopic  = "/a/1/b/proto"   // 2f612f312f622f70726f746f
	hexTop  = "2f77616b752f322f72732f312f30"
	hexCT   = "2f612f312f622f70726f746f"
	pushMsg = message.Message{Payload: []byte{1}, ContentTopic: ctopic, Timestamp: 1}
)

func TestSubscribeRequestGolden(t *testing.T) {
	cases := []struct {
		name string
		req  filter.SubscribeRequest
		hex  string
	}{
		{"subscribe", filter.SubscribeRequest{RequestID: "01", Type: filter.Subscribe, PubsubTopic: &topic, ContentTopics: []string{ctopic, ctopic + "2"}},
			"0a023031 1001 520e" + hexTop + " 5a0c" + hexCT + " 5a0d" + hexCT + "32"},
		{"ping", filter.SubscribeRequest{RequestID: "ab", Type: filter.Ping},
			"0a026162 1000"},
		{"unsubscribe all", filter.SubscribeRequest{RequestID: "", Type: filter.UnsubscribeAll},
			"0a00 1003"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := wakutest.Unhex(t, c.hex)
			if got := c.req.Encode(); string(got) != string(want) {
				t.Fatalf("Encode() = %x, want %x", got, want)
			}
			got, err := filter.DecodeSubscribeRequest(want)
			if err != nil || !reflect.DeepEqual(got, c.req) {
				t.Fatalf("DecodeSubscribeRequest(%x) = %+v, %v, want %+v", want, got, err, c.req)
			}
		})
	}
}

// TestSubscribeRequestDecode covers inputs nwaku's encoder never writes
// but other clients (js-waku's proto3 encoder) or attackers do.
func TestSubscribeRequestDecode(t *testing.T) {
	cases := []struct {
		name string
		hex  string
		want filter.SubscribeRequest
		err  bool
	}{
		// js-waku ping: type 0 omitted (proto3 default), pubsub_topic "" present.
		{"js-waku ping", "0a0178 5200", filter.SubscribeRequest{RequestID: "x", Type: filter.Ping, PubsubTopic: ptr("")}, false},
		{"last request id wins", "0a0178 0a0179 1002", filter.SubscribeRequest{RequestID: "y", Type: filter.Unsubscribe}, false},
		{"unknown field skipped", "0a0178 1001 f80101", filter.SubscribeRequest{RequestID: "x", Type: filter.Subscribe}, false},
		{"request id missing", "1001", filter.SubscribeRequest{}, true},
		{"unknown type", "0a0178 1004", filter.SubscribeRequest{}, true},
		{"type as bytes", "0a0178 120100", filter.SubscribeRequest{}, true},
		{"truncated", "0a05", filter.SubscribeRequest{}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := wakutest.Unhex(t, c.hex)
			got, err := filter.DecodeSubscribeRequest(in)
			if c.err {
				if !errors.Is(err, filter.ErrMalformed) {
					t.Fatalf("DecodeSubscribeRequest(%x) = %+v, %v, want ErrMalformed", in, got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("DecodeSubscribeRequest(%x) = %+v, %v, want %+v", in, got, err, c.want)
			}
		})
	}
}

func TestSubscribeResponseGolden(t *testing.T) {
	resp := filter.SubscribeResponse{RequestID: "01", StatusCode: 200, StatusDesc: ptr("OK")}
	want := wakutest.Unhex(t, "0a023031 50c801 5a024f4b")
	if got := resp.Encode(); string(got) != string(want) {
		t.Fatalf("Encode() = %x, want %x", got, want)
	}
	got, err := filter.DecodeSubscribeResponse(want)
	if err != nil || !reflect.DeepEqual(got, resp) {
		t.Fatalf("DecodeSubscribeResponse(%x) = %+v, %v, want %+v", want, got, err, resp)
	}
	for _, bad := range []string{"50c801", "0a023031", "0a023031 5a024f4b", "0a023031 50ffffffff7f"} {
		if _, err := filter.DecodeSubscribeResponse(wakutest.Unhex(t, bad)); !errors.Is(err, filter.ErrMalformed) {
			t.Errorf("DecodeSubscribeResponse(%s) = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestMessagePushGolden(t *testing.T) {
	mp := filter.MessagePush{Message: pushMsg, PubsubTopic: topic}
	enc := pushMsg.Encode()
	// waku_message: 0a <len> <WakuMessage>; pubsub_topic: 12 0e <topic>.
	want := append(append([]byte{0x0a, byte(len(enc))}, enc...), wakutest.Unhex(t, "120e"+hexTop)...)
	if got := mp.Encode(); string(got) != string(want) {
		t.Fatalf("Encode() = %x, want %x", got, want)
	}
	got, err := filter.DecodeMessagePush(want)
	if err != nil || !reflect.DeepEqual(got, mp) {
		t.Fatalf("DecodeMessagePush(%x) = %+v, %v, want %+v", want, got, err, mp)
	}
	for _, bad := range []string{"120e" + hexTop, "0a00", "0a0101 120e" + hexTop} {
		if _, err := filter.DecodeMessagePush(wakutest.Unhex(t, bad)); !errors.Is(err, filter.ErrMalformed) {
			t.Errorf("DecodeMessagePush(%s) = %v, want ErrMalformed", bad, err)
		}
	}
}
