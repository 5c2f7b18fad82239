package lightpush_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/waku/lightpush"
)

// fuzzDecoder checks that decode never panics, fails only with
// ErrMalformed, and that what it accepts re-encodes to a canonical form
// that decodes to the same value.
func fuzzDecoder[T interface{ Encode() []byte }](f *testing.F, decode func([]byte) (T, error), seeds ...T) {
	for _, s := range seeds {
		f.Add(s.Encode())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := decode(data)
		if err != nil {
			if !errors.Is(err, lightpush.ErrMalformed) {
				t.Fatalf("decode(%x) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		v2, err := decode(v.Encode())
		if err != nil || !reflect.DeepEqual(v2, v) {
			t.Fatalf("round trip of %x: %+v, %v, want %+v", data, v2, err, v)
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	fuzzDecoder(f, lightpush.DecodeRequest, lightpush.Request{RequestID: "1", PubsubTopic: &topic, Message: testMsg})
}

func FuzzDecodeResponse(f *testing.F) {
	fuzzDecoder(f, lightpush.DecodeResponse, lightpush.Response{RequestID: "1", StatusCode: 200, RelayPeerCount: ptr(uint32(1))})
}

func FuzzDecodePushRPC(f *testing.F) {
	fuzzDecoder(f, lightpush.DecodePushRPC,
		lightpush.PushRPC{RequestID: "1", Request: &lightpush.PushRequest{PubsubTopic: topic, Message: testMsg}},
		lightpush.PushRPC{RequestID: "1", Response: &lightpush.PushResponse{IsSuccess: true, Info: ptr("OK")}})
}
