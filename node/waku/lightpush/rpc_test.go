package lightpush_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakutest"
	"github.com/cairn-node/cairn/node/waku/lightpush"
)

func ptr[T any](v T) *T { return &v }

var (
	topic    = "/waku/2/rs/1/0"
	hexTopic = "2f77616b752f322f72732f312f30"
	testMsg  = message.Message{Payload: []byte{1}, ContentTopic: "/a/1/b/proto", Timestamp: 1}
)

// lenPrefixed returns the protobuf length of b followed by b (b < 128 bytes).
func lenPrefixed(b []byte) []byte { return append([]byte{byte(len(b))}, b...) }

// The golden encodings follow nwaku's rpc_codec.nim field by field. Keys:
// 0a = field 1 bytes, a201 = field 20 bytes, aa01 = field 21 bytes,
// 50 = field 10 varint, 5a = field 11 bytes, 60 = field 12 varint.
func TestRequestGolden(t *testing.T) {
	enc := testMsg.Encode()
	cases := []struct {
		name string
		req  lightpush.Request
		want []byte
	}{
		{"with topic", lightpush.Request{RequestID: "01", PubsubTopic: &topic, Message: testMsg},
			append(wakutest.Unhex(t, "0a023031 a2010e"+hexTopic+" aa01"), lenPrefixed(enc)...)},
		{"autosharded", lightpush.Request{RequestID: "01", Message: testMsg},
			append(wakutest.Unhex(t, "0a023031 aa01"), lenPrefixed(enc)...)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.req.Encode(); string(got) != string(c.want) {
				t.Fatalf("Encode() = %x, want %x", got, c.want)
			}
			got, err := lightpush.DecodeRequest(c.want)
			if err != nil || !reflect.DeepEqual(got, c.req) {
				t.Fatalf("DecodeRequest(%x) = %+v, %v, want %+v", c.want, got, err, c.req)
			}
		})
	}
	for _, bad := range []string{"aa0100", "0a023031", "0a023031 aa0101ff", "0a023031 a00100"} {
		if _, err := lightpush.DecodeRequest(wakutest.Unhex(t, bad)); !errors.Is(err, lightpush.ErrMalformed) {
			t.Errorf("DecodeRequest(%s) = %v, want ErrMalformed", bad, err)
		}
	}
}

func TestResponseGolden(t *testing.T) {
	cases := []struct {
		name string
		resp lightpush.Response
		hex  string
	}{
		{"success", lightpush.Response{RequestID: "01", StatusCode: 200, RelayPeerCount: ptr(uint32(3))}, "0a023031 50c801 6003"},
		{"no peers", lightpush.Response{RequestID: "01", StatusCode: 505, StatusDesc: ptr("x")}, "0a023031 50f903 5a0178"},
		{"decode failure", lightpush.Response{RequestID: "N/A", StatusCode: 400, StatusDesc: ptr("")}, "0a034e2f41 509003 5a00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := wakutest.Unhex(t, c.hex)
			if got := c.resp.Encode(); string(got) != string(want) {
				t.Fatalf("Encode() = %x, want %x", got, want)
			}
			got, err := lightpush.DecodeResponse(want)
			if err != nil || !reflect.DeepEqual(got, c.resp) {
				t.Fatalf("DecodeResponse(%x) = %+v, %v, want %+v", want, got, err, c.resp)
			}
		})
	}
	for _, bad := range []string{"50c801", "0a00", "0a00 50808080801f", "0a00 5a01"} {
		if _, err := lightpush.DecodeResponse(wakutest.Unhex(t, bad)); !errors.Is(err, lightpush.ErrMalformed) {
			t.Errorf("DecodeResponse(%s) = %v, want ErrMalformed", bad, err)
		}
	}
}

// Legacy keys: 0a = field 1 bytes, 12 = field 2 bytes, 1a = field 3 bytes,
// 08 = field 1 varint.
func TestPushRPCGolden(t *testing.T) {
	enc := testMsg.Encode()
	inner := append(wakutest.Unhex(t, "0a0e"+hexTopic+" 12"), lenPrefixed(enc)...)
	cases := []struct {
		name string
		rpc  lightpush.PushRPC
		want []byte
	}{
		{"request", lightpush.PushRPC{RequestID: "01", Request: &lightpush.PushRequest{PubsubTopic: topic, Message: testMsg}},
			append(wakutest.Unhex(t, "0a023031 12"), lenPrefixed(inner)...)},
		{"success", lightpush.PushRPC{RequestID: "01", Response: &lightpush.PushResponse{IsSuccess: true, Info: ptr("OK")}},
			wakutest.Unhex(t, "0a023031 1a06 0801 12024f4b")},
		{"failure", lightpush.PushRPC{RequestID: "", Response: &lightpush.PushResponse{Info: ptr("x")}},
			wakutest.Unhex(t, "0a00 1a05 0800 120178")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.rpc.Encode(); string(got) != string(c.want) {
				t.Fatalf("Encode() = %x, want %x", got, c.want)
			}
			got, err := lightpush.DecodePushRPC(c.want)
			if err != nil || !reflect.DeepEqual(got, c.rpc) {
				t.Fatalf("DecodePushRPC(%x) = %+v, %v, want %+v", c.want, got, err, c.rpc)
			}
		})
	}
	for _, bad := range []string{"1a020801", "0a00 1a01 08", "0a00 1202 0a00", "0a00 0801"} {
		if _, err := lightpush.DecodePushRPC(wakutest.Unhex(t, bad)); !errors.Is(err, lightpush.ErrMalformed) {
			t.Errorf("DecodePushRPC(%s) = %v, want ErrMalformed", bad, err)
		}
	}
}
