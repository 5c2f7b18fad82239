package wakustream

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	msgs := [][]byte{{}, []byte("a"), bytes.Repeat([]byte{7}, 300)}
	for _, m := range msgs {
		if err := WriteMsg(&buf, m); err != nil {
			t.Fatalf("WriteMsg(%d bytes) = %v", len(m), err)
		}
	}
	// 300 = 0xac 0x02.
	if got := buf.Bytes()[3:5]; !bytes.Equal(got, []byte{0xac, 0x02}) {
		t.Fatalf("prefix of 300 bytes = %x, want ac02", got)
	}
	for _, want := range msgs {
		got, err := ReadMsg(&buf, 1000)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("ReadMsg() = %x, %v, want %x", got, err, want)
		}
	}
	if _, err := ReadMsg(&buf, 1000); err != io.EOF {
		t.Fatalf("ReadMsg(empty) = %v, want io.EOF", err)
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		max  int
		want error
	}{
		{"too large", []byte{0xac, 0x02}, 299, ErrTooLarge},
		{"overlong", []byte{0x81, 0x00}, 10, ErrBadPrefix},
		{"prefix too long", bytes.Repeat([]byte{0xff}, 10), 10, ErrBadPrefix},
		{"truncated prefix", []byte{0x81}, 10, io.ErrUnexpectedEOF},
		{"truncated body", []byte{3, 1, 2}, 10, io.ErrUnexpectedEOF},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadMsg(bytes.NewReader(c.in), c.max)
			if !errors.Is(err, c.want) {
				t.Fatalf("ReadMsg(%x, %d) = %v, want %v", c.in, c.max, err, c.want)
			}
		})
	}
}

func FuzzReadMsg(f *testing.F) {
	f.Add([]byte{0}, 10)
	f.Add([]byte{2, 1, 2, 0x81}, 10)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		got, err := ReadMsg(bytes.NewReader(in), max)
		if err != nil {
			return
		}
		if len(got) > max {
			t.Fatalf("ReadMsg returned %d bytes, above max %d", len(got), max)
		}
		var out bytes.Buffer
		_ = WriteMsg(&out, got)
		if !bytes.HasPrefix(in, out.Bytes()) {
			t.Fatalf("WriteMsg(ReadMsg(%x)) = %x, not a prefix of the input", in, out.Bytes())
		}
	})
}
