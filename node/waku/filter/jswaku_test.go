package filter_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/waku/filter"
)

// jswakuVectors is testdata/jswaku_vectors.json (see testdata/SOURCE).
type jswakuVectors struct {
	Encoded []struct {
		Type, Name, Hex string
	}
	Decoded []struct {
		Type, Hex string
		JS        struct {
			RequestID           string   `json:"requestId"`
			FilterSubscribeType string   `json:"filterSubscribeType"`
			PubsubTopic         *string  `json:"pubsubTopic"`
			ContentTopics       []string `json:"contentTopics"`
			StatusCode          uint32   `json:"statusCode"`
			StatusDesc          *string  `json:"statusDesc"`
		}
	}
}

func loadJSWaku(t *testing.T) jswakuVectors {
	t.Helper()
	raw, err := os.ReadFile("testdata/jswaku_vectors.json")
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	var v jswakuVectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("parse vectors: %v", err)
	}
	return v
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
	vs := loadJSWaku(t)
	if len(vs.Encoded) != len(want) {
		t.Fatalf("%d js-waku encodings, want %d", len(vs.Encoded), len(want))
	}
	for _, v := range vs.Encoded {
		data, _ := hex.DecodeString(v.Hex)
		var got any
		var err error
		switch v.Type {
		case "SubscribeRequest":
			got, err = filter.DecodeSubscribeRequest(data)
		case "SubscribeResponse":
			got, err = filter.DecodeSubscribeResponse(data)
		case "MessagePush":
			got, err = filter.DecodeMessagePush(data)
		}
		if err != nil || !reflect.DeepEqual(got, want[v.Name]) {
			t.Errorf("%s %q: decode(%s) = %+v, %v, want %+v", v.Type, v.Name, v.Hex, got, err, want[v.Name])
		}
	}
}

// TestJSWakuDecodes checks that js-waku reads Cairn's encodings as
// Cairn means them.
func TestJSWakuDecodes(t *testing.T) {
	for _, v := range loadJSWaku(t).Decoded {
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
