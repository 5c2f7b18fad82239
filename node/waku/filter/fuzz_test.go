package filter_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/waku/filter"
)

// FuzzDecodeSubscribeRequest checks that DecodeSubscribeRequest never
// panics, fails only with ErrMalformed, and that what it accepts
// re-encodes to a canonical form that decodes to the same request.
func FuzzDecodeSubscribeRequest(f *testing.F) {
	f.Add(filter.SubscribeRequest{RequestID: "1", Type: filter.Subscribe, PubsubTopic: &topic, ContentTopics: []string{ctopic}}.Encode())
	f.Add([]byte{0x0a, 0x01, 0x78, 0x52, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := filter.DecodeSubscribeRequest(data)
		if err != nil {
			if !errors.Is(err, filter.ErrMalformed) {
				t.Fatalf("DecodeSubscribeRequest(%x) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		enc := r.Encode()
		r2, err := filter.DecodeSubscribeRequest(enc)
		if err != nil || !reflect.DeepEqual(r2, r) {
			t.Fatalf("round trip of %x: %+v, %v, want %+v", data, r2, err, r)
		}
		if !bytes.Equal(r2.Encode(), enc) {
			t.Fatalf("Encode unstable for %+v", r)
		}
	})
}

// FuzzDecodeSubscribeResponse: as FuzzDecodeSubscribeRequest.
func FuzzDecodeSubscribeResponse(f *testing.F) {
	f.Add(filter.SubscribeResponse{RequestID: "1", StatusCode: 200, StatusDesc: ptr("OK")}.Encode())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := filter.DecodeSubscribeResponse(data)
		if err != nil {
			if !errors.Is(err, filter.ErrMalformed) {
				t.Fatalf("DecodeSubscribeResponse(%x) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		r2, err := filter.DecodeSubscribeResponse(r.Encode())
		if err != nil || !reflect.DeepEqual(r2, r) {
			t.Fatalf("round trip of %x: %+v, %v, want %+v", data, r2, err, r)
		}
	})
}

// FuzzDecodeMessagePush: as FuzzDecodeSubscribeRequest.
func FuzzDecodeMessagePush(f *testing.F) {
	f.Add(filter.MessagePush{Message: pushMsg, PubsubTopic: topic}.Encode())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := filter.DecodeMessagePush(data)
		if err != nil {
			if !errors.Is(err, filter.ErrMalformed) {
				t.Fatalf("DecodeMessagePush(%x) error %v does not wrap ErrMalformed", data, err)
			}
			return
		}
		p2, err := filter.DecodeMessagePush(p.Encode())
		if err != nil || !reflect.DeepEqual(p2, p) {
			t.Fatalf("round trip of %x: %+v, %v, want %+v", data, p2, err, p)
		}
	})
}
