package wakutest

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// JSWakuVectors is a protocol package's testdata/jswaku_vectors.json
// (written by the script that testdata/SOURCE names). JS is the
// protocol's view of what js-waku's decoder read.
type JSWakuVectors[JS any] struct {
	// Encoded are the bytes js-waku's encoder wrote; see CheckDecodes.
	Encoded []Encoding
	// Decoded are Cairn's encodings (Hex) of a message of Type, with
	// what js-waku's decoder read from them.
	Decoded []struct {
		Type, Hex string
		JS        JS
	}
}

// LoadJSWaku reads testdata/jswaku_vectors.json of the package under
// test.
func LoadJSWaku[JS any](t testing.TB) JSWakuVectors[JS] {
	t.Helper()
	const path = "testdata/jswaku_vectors.json"
	var v JSWakuVectors[JS]
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read vectors: %v", err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("parse vectors: %v", err)
	}
	return v
}

// Encoding is one entry of the "encoded" list of a protocol's
// testdata/jswaku_vectors.json: the bytes (hex) that js-waku's encoder
// wrote for a message of Type, named Name.
type Encoding struct {
	Type, Name, Hex string
}

// Decoder decodes one message type for CheckDecodes.
type Decoder func([]byte) (any, error)

// Decode turns a typed decode function into a Decoder.
func Decode[T any](decode func([]byte) (T, error)) Decoder {
	return func(b []byte) (any, error) { return decode(b) }
}

// CheckDecodes decodes each of encs with decoders[enc.Type] and checks
// that the result is reflect.DeepEqual to want[enc.Name]. It fails the
// test at once when encs and want differ in length (a vector added or
// lost), and reports each mismatch.
func CheckDecodes(t testing.TB, encs []Encoding, decoders map[string]Decoder, want map[string]any) {
	t.Helper()
	if len(encs) != len(want) {
		t.Fatalf("%d js-waku encodings, want %d", len(encs), len(want))
	}
	for _, v := range encs {
		decode, ok := decoders[v.Type]
		if !ok {
			t.Errorf("%s %q: no decoder for type %s", v.Type, v.Name, v.Type)
			continue
		}
		data, _ := hex.DecodeString(v.Hex)
		got, err := decode(data)
		if err != nil || !reflect.DeepEqual(got, want[v.Name]) {
			t.Errorf("%s %q: decode(%s) = %+v, %v, want %+v", v.Type, v.Name, v.Hex, got, err, want[v.Name])
		}
	}
}
