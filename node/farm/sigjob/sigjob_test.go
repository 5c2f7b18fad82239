package sigjob_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel/sigbatch"
	"github.com/cairn-node/cairn/node/farm/sigjob"
)

// mixedBatch returns 4 items of each scheme, item 1 of each bad.
func mixedBatch(t testing.TB) (items []sigbatch.Item, want []bool) {
	t.Helper()
	for _, s := range sigbatch.Schemes {
		its, err := sigbatch.Generate(s, 4, sigbatch.GenerateOptions{Bad: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, its...)
		want = append(want, true, false, true, true)
	}
	return items, want
}

// TestHandlerAndVerifier verifies a mixed batch on the worker side, checks
// the verdicts, and checks that the submitter side accepts them and
// rejects a flipped verdict either way.
func TestHandlerAndVerifier(t *testing.T) {
	items, want := mixedBatch(t)
	payload, err := sigjob.EncodeItems(items)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sigjob.NewHandler().Handle(t.Context(), payload)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sigjob.DecodeResult(res)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("verdict %d = %v, want %v", i, got[i], want[i])
		}
	}
	if err := (sigjob.Verifier{}).Verify(payload, res); err != nil {
		t.Fatalf("Verify(honest result) = %v", err)
	}
	for _, i := range []int{0, 1} { // a valid item called invalid, an invalid one called valid
		lie := append([]bool{}, got...)
		lie[i] = !lie[i]
		if err := (sigjob.Verifier{}).Verify(payload, sigjob.EncodeResult(lie)); !errors.Is(err, sigjob.ErrWrongResult) {
			t.Errorf("Verify(verdict %d flipped) = %v, want ErrWrongResult", i, err)
		}
	}
	if err := (sigjob.Verifier{}).Verify(payload, sigjob.EncodeResult(got[:3])); !errors.Is(err, sigjob.ErrWrongResult) {
		t.Errorf("Verify(3 verdicts for %d items) = %v, want ErrWrongResult", len(items), err)
	}
}

func TestDecodeRejects(t *testing.T) {
	items, _ := mixedBatch(t)
	payload, err := sigjob.EncodeItems(items[:2])
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"truncated": payload[:len(payload)-1],
		"trailing":  append(append([]byte{}, payload...), 0),
		"version 0": append([]byte{0}, payload[1:]...),
		"empty":     nil,
	} {
		if _, err := sigjob.DecodeItems(b); !errors.Is(err, sigjob.ErrPayload) {
			t.Errorf("DecodeItems(%s) = %v, want ErrPayload", name, err)
		}
	}
	if _, err := sigjob.DecodeResult([]byte{0, 0, 0, 3, 0xff}); !errors.Is(err, sigjob.ErrPayload) {
		t.Errorf("DecodeResult(bits past the count) = %v, want ErrPayload", err)
	}
}

// FuzzDecodeItems checks that decoding never panics and that whatever
// decodes encodes back to the same bytes.
func FuzzDecodeItems(f *testing.F) {
	items, _ := mixedBatch(f)
	b, err := sigjob.EncodeItems(items)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		items, err := sigjob.DecodeItems(b)
		if err != nil {
			return
		}
		again, err := sigjob.EncodeItems(items)
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("EncodeItems(DecodeItems(%x)) = %x, %v", b, again, err)
		}
	})
}

// FuzzDecodeResult checks that decoding never panics and round-trips.
func FuzzDecodeResult(f *testing.F) {
	f.Add(sigjob.EncodeResult([]bool{true, false, true}))
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		ok, err := sigjob.DecodeResult(b)
		if err != nil {
			return
		}
		if again := sigjob.EncodeResult(ok); !bytes.Equal(again, b) {
			t.Fatalf("EncodeResult(DecodeResult(%x)) = %x", b, again)
		}
	})
}
