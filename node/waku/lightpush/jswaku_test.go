package lightpush_test

import (
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/internal/wakutest"
	"github.com/cairn-node/cairn/node/waku/lightpush"
)

// jsDecoded is what js-waku's decoder read from one of Cairn's encodings
// in testdata/jswaku_vectors.json (see testdata/SOURCE).
type jsDecoded struct {
	RequestID      string  `json:"requestId"`
	StatusCode     uint32  `json:"statusCode"`
	StatusDesc     *string `json:"statusDesc"`
	RelayPeerCount *uint32 `json:"relayPeerCount"`
	Response       *struct {
		IsSuccess bool    `json:"isSuccess"`
		Info      *string `json:"info"`
	} `json:"response"`
}

// TestJSWakuEncodings decodes what js-waku's encoder writes.
func TestJSWakuEncodings(t *testing.T) {
	jsMsg := message.Message{Payload: []byte{1, 2, 3}, ContentTopic: "/a/1/b/proto", Timestamp: 1700000000000000000}
	want := map[string]any{
		"v3 request": lightpush.Request{RequestID: "c0ffee", PubsubTopic: &topic, Message: jsMsg},
		"v3 success": lightpush.Response{RequestID: "c0ffee", StatusCode: 200, RelayPeerCount: ptr(uint32(3))},
		"v2 request": lightpush.PushRPC{RequestID: "c0ffee", Request: &lightpush.PushRequest{PubsubTopic: topic, Message: jsMsg}},
		// proto3 leaves out is_success = false.
		"v2 failure": lightpush.PushRPC{RequestID: "c0ffee", Response: &lightpush.PushResponse{Info: ptr("not_published_to_any_peer")}},
	}
	wakutest.CheckDecodes(t, wakutest.LoadJSWaku[jsDecoded](t).Encoded, map[string]wakutest.Decoder{
		"Request":  wakutest.Decode(lightpush.DecodeRequest),
		"Response": wakutest.Decode(lightpush.DecodeResponse),
		"PushRPC":  wakutest.Decode(lightpush.DecodePushRPC),
	}, want)
}

// TestJSWakuDecodes checks that js-waku reads Cairn's encodings as
// Cairn means them.
func TestJSWakuDecodes(t *testing.T) {
	for _, v := range wakutest.LoadJSWaku[jsDecoded](t).Decoded {
		data, _ := hex.DecodeString(v.Hex)
		var enc []byte
		switch v.Type {
		case "Response":
			r, err := lightpush.DecodeResponse(data)
			if err != nil || r.RequestID != v.JS.RequestID || r.StatusCode != v.JS.StatusCode ||
				!reflect.DeepEqual(r.StatusDesc, v.JS.StatusDesc) || !reflect.DeepEqual(r.RelayPeerCount, v.JS.RelayPeerCount) {
				t.Errorf("response %s: Cairn reads %+v, %v; js-waku reads %+v", v.Hex, r, err, v.JS)
			}
			enc = r.Encode()
		case "PushRPC":
			r, err := lightpush.DecodePushRPC(data)
			if err != nil || r.RequestID != v.JS.RequestID || r.Response == nil || v.JS.Response == nil ||
				r.Response.IsSuccess != v.JS.Response.IsSuccess || !reflect.DeepEqual(r.Response.Info, v.JS.Response.Info) {
				t.Errorf("push rpc %s: Cairn reads %+v, %v; js-waku reads %+v", v.Hex, r, err, v.JS)
				continue
			}
			enc = r.Encode()
		}
		if got := hex.EncodeToString(enc); got != v.Hex {
			t.Errorf("re-encoding %s gave %s", v.Hex, got)
		}
	}
}
