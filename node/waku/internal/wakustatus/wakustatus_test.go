package wakustatus

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/node/internal/minpb"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func TestGolden(t *testing.T) {
	ok := "OK"
	for _, c := range []struct {
		r   Response
		hex string
	}{
		{Response{RequestID: "01", Code: 200, Desc: &ok}, "0a023031 50c801 5a024f4b"},
		{Response{RequestID: "", Code: 429}, "0a00 50ad03"},
	} {
		want := unhex(t, c.hex)
		if got := c.r.Append(nil); string(got) != string(want) {
			t.Errorf("Append(%+v) = %x, want %x", c.r, got, want)
		}
		got, err := Decode(want, nil)
		if err != nil || !reflect.DeepEqual(got, c.r) {
			t.Errorf("Decode(%x) = %+v, %v, want %+v", want, got, err, c.r)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for name, h := range map[string]string{
		"request id missing":   "50c801",
		"status code missing":  "0a023031 5a024f4b",
		"status code overflow": "0a023031 50ffffffff7f",
		"request id as varint": "0801 50c801",
		"desc as varint":       "0a00 50c801 5801",
		"truncated":            "0a05",
	} {
		if r, err := Decode(unhex(t, h), nil); err == nil {
			t.Errorf("%s: Decode(%s) = %+v, want an error", name, h, r)
		}
	}
}

func TestDecodeExtra(t *testing.T) {
	var seen []int
	extra := func(f minpb.Field) error {
		seen = append(seen, f.Num)
		if f.Num == 13 {
			return errors.New("no 13")
		}
		return nil
	}
	// Fields 12 and 2 go to extra, in wire order; the status fields do not.
	r, err := Decode(unhex(t, "0a0178 6003 50c801 1200"), extra)
	if err != nil || r.RequestID != "x" || r.Code != 200 || !reflect.DeepEqual(seen, []int{12, 2}) {
		t.Fatalf("Decode = %+v, %v, extra saw %v; want x 200, extra saw [12 2]", r, err, seen)
	}
	if _, err := Decode(unhex(t, "0a0178 50c801 6801"), extra); err == nil || err.Error() != "no 13" {
		t.Fatalf("Decode with a failing extra = %v, want its error", err)
	}
}
