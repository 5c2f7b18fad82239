package message_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/node/relay/message"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Encodings assembled by hand from nwaku's encode (codec.nim) on
// minprotobuf: every field written, in field-number order, zero or not.
var encodeCases = []struct {
	name string
	m    message.Message
	hex  string
}{
	{
		name: "zero",
		m:    message.Message{},
		hex:  "0a00 1200 1800 5000 5a00 aa0100 f80100",
	},
	{
		name: "all fields",
		m: message.Message{
			Payload: []byte("hi"), ContentTopic: "/a/1/b/c", Version: 1, Timestamp: -1,
			Meta: []byte("m"), RateLimitProof: []byte{1}, Ephemeral: true,
		},
		hex: "0a026869 12082f612f312f622f63 1801 5001 5a016d aa010101 f80101",
	},
	{
		name: "timestamp",
		m:    message.Message{ContentTopic: "/a/1/b/c", Timestamp: 1681964442000000000},
		// zigzag(0x175789bfa23f8400) = 0x2eaf137f447f0800
		hex: "0a00 12082f612f312f622f63 1800 508090fca3f4efc4d72e 5a00 aa0100 f80100",
	},
}

func TestEncode(t *testing.T) {
	for _, c := range encodeCases {
		t.Run(c.name, func(t *testing.T) {
			want := unhex(t, c.hex)
			if got := c.m.Encode(); !bytes.Equal(got, want) {
				t.Errorf("Encode(%+v) = %x, want %x", c.m, got, want)
			}
			got, err := message.Decode(want)
			if err != nil || !reflect.DeepEqual(got, c.m) {
				t.Errorf("Decode(%x) = %+v, %v, want %+v", want, got, err, c.m)
			}
		})
	}
}

func TestDecodeAccepts(t *testing.T) {
	for _, c := range []struct {
		name string
		hex  string
		want message.Message
	}{
		// protons / protobuf-go omit default fields; only 1 and 2 are required.
		{"minimal", "0a01ff 1201 78", message.Message{Payload: []byte{0xff}, ContentTopic: "x"}},
		{"any order", "1201 78 50 02 0a00", message.Message{ContentTopic: "x", Timestamp: 1}},
		{"unknown fields skipped", "0a00 1200 2001 3a0100 4d01020304 49 0102030405060708", message.Message{}},
		{"meta 64 bytes", "0a00 1200 5a40" + strings.Repeat("ab", 64), message.Message{Meta: bytes.Repeat([]byte{0xab}, 64)}},
		{"max version", "0a00 1200 18ffffffff0f", message.Message{Version: 1<<32 - 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := unhex(t, c.hex)
			got, err := message.Decode(b)
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Errorf("Decode(%x) = %+v, %v, want %+v", b, got, err, c.want)
			}
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"no payload", unhex(t, "1200")},
		{"no content topic", unhex(t, "0a00")},
		{"payload repeated", unhex(t, "0a00 0a00 1200")},
		{"payload as varint", unhex(t, "0800 1200")},
		{"timestamp as bytes", unhex(t, "0a00 1200 5200")},
		{"meta 65 bytes", append(unhex(t, "0a00 1200 5a41"), make([]byte, 65)...)},
		{"version overflows uint32", unhex(t, "0a00 1200 188080808010")},
		{"ephemeral 2", unhex(t, "0a00 1200 f80102")},
		{"truncated length", unhex(t, "0a05 00")},
		{"truncated varint", unhex(t, "0a00 1200 1880")},
		{"overlong varint", unhex(t, "0a00 1200 188000")},
		{"varint overflow", unhex(t, "0a00 1200 50ffffffffffffffffff02")},
		{"field number 0", unhex(t, "0200 0a00 1200")},
		{"group wire type", unhex(t, "0a00 1200 2b")},
		{"truncated fixed32", unhex(t, "0a00 1200 2d0102")},
		{"too large", append(unhex(t, "0a00 1200 22"), append([]byte{0x80, 0xb0, 0x09}, make([]byte, 150<<10)...)...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := message.Decode(c.in)
			if !errors.Is(err, message.ErrMalformed) {
				t.Errorf("Decode(%.40x) = %+v, %v, want ErrMalformed", c.in, got, err)
			}
		})
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	b := message.Message{Payload: []byte("p"), ContentTopic: "c", Meta: []byte("m"), RateLimitProof: []byte("r")}.Encode()
	m, err := message.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = 0
	}
	if string(m.Payload) != "p" || string(m.Meta) != "m" || string(m.RateLimitProof) != "r" {
		t.Errorf("Decode result changed with its input: %+v", m)
	}
}
