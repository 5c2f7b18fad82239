package minpb

import (
	"bytes"
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	var b []byte
	b = AppendUint(b, 1, 0)
	b = AppendBytes(b, 2, []byte("abc"))
	b = AppendUint(b, 10, Zigzag(-5))
	b = AppendBytes(b, 1<<20, nil)
	fs, err := ParseFields(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 4 || fs[0].Val != 0 || !bytes.Equal(fs[1].Data, []byte("abc")) || Unzigzag(fs[2].Val) != -5 || fs[3].Num != 1<<20 || len(fs[3].Data) != 0 {
		t.Errorf("ParseFields = %+v", fs)
	}
}

func TestRejects(t *testing.T) {
	for name, b := range map[string][]byte{
		"truncated varint": {0x08, 0x80},
		"overlong varint":  {0x08, 0x80, 0x00},
		"overflow":         {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		"field 0":          {0x00, 0x01},
		"group":            {0x0b},
		"length beyond":    {0x12, 0x05, 'a'},
		"fixed truncated":  {0x0d, 0x01},
	} {
		if _, err := ParseFields(b); err == nil {
			t.Errorf("ParseFields(%s %x): no error", name, b)
		}
	}
	if _, _, err := ReadUvarint([]byte{0x80, 0x00}); !errors.Is(err, ErrOverlongVarint) {
		t.Errorf("ReadUvarint(80 00) = %v, want ErrOverlongVarint", err)
	}
}

func FuzzParseFields(f *testing.F) {
	f.Add([]byte{0x08, 0x01, 0x12, 0x01, 'x'})
	f.Fuzz(func(t *testing.T, b []byte) {
		fs, err := ParseFields(b)
		if err != nil {
			return
		}
		var out []byte
		for _, fl := range fs {
			switch fl.Wire {
			case WireVarint:
				out = AppendUint(out, fl.Num, fl.Val)
			case WireBytes:
				out = AppendBytes(out, fl.Num, fl.Data)
			default:
				return // fixed-width fields are skipped, not re-encoded
			}
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("re-encoding %x gave %x", b, out)
		}
	})
}
