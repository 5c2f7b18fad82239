package filter_test

import (
	"encoding/hex"
	"reflect"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/filter"
	"github.com/cairn-node/cairn/node/waku/internal/wakutest"
)

// jsDecoded is what js-waku's decoder read from one of Cairn's encodings
// in testdata/jswaku_vectors.json (see testdata/SOURCE).
type jsDecoded struct {
	RequestID           string   `json:"requestId"`
	FilterSubscribeType string   `json:"filterSubscribeType"`
	PubsubTopic         *string  `json:"pubsubTopic"`
	ContentTopics       []string `json:"contentTopics"`
	StatusCode          uint32   `json:"statusCode"`
	StatusDesc          *string  `json:"statusDesc"`
}

// TestJSWakuEncodings decodes what js-waku's encoder writes.
func TestJSWakuEncodings(t *testing.T) {
	want := map[string]any{
		"subscribe":       filter.SubscribeRequest{RequestID: "c0ffee", Type: filter.Subscribe, PubsubTopic: &topic, ContentTopics: []string{ctopic, ctopic + "2"}},
		"ping":            filter.SubscribeRequest{RequestID: "c0ffee", Type: filter.Ping, PubsubTopic: ptr("")},
		"unsubscribe all": filter.SubscribeRequest{RequestID: "c0ffee", Type: filter.UnsubscribeAll, PubsubTopic: &topic},
		"ok":              filter.SubscribeResponse{RequestID: "c0ffee", StatusCode: 200, StatusDesc: ptr("OK")},
		"push": filter.MessagePush{PubsubTopic: topic, Message: message.Message{
			Payload: []byte{1, 2, 3}, ContentTopic: ctopic, Timestamp: 1700000000000000000}},
	}
	wakutest.CheckDecodes(t, wakutest.LoadJSWaku[jsDecoded](t).Encoded, map[string]wakutest.Decoder{
		"SubscribeRequest":  wakutest.Decode(filter.DecodeSubscribeRequest),
		"SubscribeResponse": wakutest.Decode(filter.DecodeSubscribeResponse),
		"MessagePush":       wakutest.Decode(filter.DecodeMessagePush),
	}, want)
}

// TestJSWakuDecodes checks that js-waku reads Cairn's encodings as
// Cairn means them.
func TestJSWakuDecodes(t *testing.T) {
	for _, v := range wakutest.LoadJSWaku[jsDecoded](t).Decoded {
		data, _ := hex.DecodeString(v.Hex)
		switch v.Type {
		case "SubscribeRequest":
			r, err := filter.DecodeSubscribeRequest(data)
			if err != nil || r.RequestID != v.JS.RequestID || r.Type.String() != v.JS.FilterSubscribeType ||
				!reflect.DeepEqual(r.PubsubTopic, v.JS.PubsubTopic) || !slices.Equal(r.ContentTopics, v.JS.ContentTopics) {
				t.Errorf("request %s: Cairn reads %+v, %v; js-waku reads %+v", v.Hex, r, err, v.JS)
			}
			if enc := hex.EncodeToString(r.Encode()); enc != v.Hex {
				t.Errorf("Encode(%+v) = %s, want %s", r, enc, v.Hex)
			}
		case "SubscribeResponse":
			r, err := filter.DecodeSubscribeResponse(data)
			if err != nil || r.RequestID != v.JS.RequestID || r.StatusCode != v.JS.StatusCode || !reflect.DeepEqual(r.StatusDesc, v.JS.StatusDesc) {
				t.Errorf("response %s: Cairn reads %+v, %v; js-waku reads %+v", v.Hex, r, err, v.JS)
			}
			if enc := hex.EncodeToString(r.Encode()); enc != v.Hex {
				t.Errorf("Encode(%+v) = %s, want %s", r, enc, v.Hex)
			}
		}
	}
}
