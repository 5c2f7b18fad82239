package sigverify_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/accel/sigbatch"
	"github.com/cairn-node/cairn/node/sigverify"
)

func TestDecodeErrors(t *testing.T) {
	const ok = `{"scheme": "ed25519", "public_key": "00", "message": "", "signature": "0x01"}`
	for _, c := range []struct {
		name, in, want string
	}{
		{"empty", ``, "want a JSON list"},
		{"object", `{}`, "want a JSON list"},
		{"null", `null`, "want a JSON list"},
		{"number item", `[` + ok + `, 7]`, "item 1:"},
		{"unknown field", `[{"scheme": "ed25519", "public_key": "", "message": "", "signature": "", "sig": ""}]`, `item 0: json: unknown field "sig"`},
		{"unknown scheme", `[` + ok + `, {"scheme": "rsa", "public_key": "", "message": "", "signature": ""}]`, `item 1: sigbatch: malformed item: unknown scheme "rsa"`},
		{"missing scheme", `[{"public_key": "", "message": "", "signature": ""}]`, `item 0: "scheme" missing`},
		{"missing message", `[{"scheme": "secp256k1", "public_key": "", "signature": ""}]`, `item 0: "message" missing`},
		{"odd hex", `[{"scheme": "secp256k1", "public_key": "abc", "message": "", "signature": ""}]`, "item 0: public_key: not hex"},
		{"not hex", `[` + ok + `, ` + ok + `, {"scheme": "bls12-381", "public_key": "", "message": "zz", "signature": ""}]`, "item 2: message: not hex"},
		{"unterminated", `[` + ok, "after item 0"},
		{"two lists", `[] []`, "data after the list"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := sigverify.Decode(strings.NewReader(c.in), 0)
			if !errors.Is(err, sigverify.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Decode(%s) = %v, want an error wrapping %v containing %q", c.in, err, sigverify.ErrInvalid, c.want)
			}
		})
	}
	three := "[" + ok + "," + ok + "," + ok + "]"
	if _, err := sigverify.Decode(strings.NewReader(three), 2); !errors.Is(err, sigverify.ErrInvalid) || !strings.Contains(err.Error(), "more than 2 items") {
		t.Errorf("Decode(3 items, max 2) = %v, want the item limit error", err)
	}
	items, err := sigverify.Decode(strings.NewReader(" "+three+"\n"), 3)
	if err != nil || len(items) != 3 || !bytes.Equal(items[0].Signature, []byte{1}) || len(items[0].Message) != 0 {
		t.Errorf("Decode(3 items, max 3) = %+v, %v", items, err)
	}
}

// TestRoundTripAndVerify encodes generated items of every scheme, decodes
// them again and verifies them: the bad ones, and only they, fail.
func TestRoundTripAndVerify(t *testing.T) {
	var items []sigbatch.Item
	var want []int
	for _, s := range sigbatch.Schemes {
		gen, err := sigbatch.Generate(s, 3, sigbatch.GenerateOptions{Bad: []int{1}})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, len(items)+1)
		items = append(items, gen...)
	}
	got, err := sigverify.Decode(bytes.NewReader(sigverify.Encode(items)), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(got, items, func(a, b sigbatch.Item) bool {
		return a.Scheme == b.Scheme && bytes.Equal(a.PublicKey, b.PublicKey) && bytes.Equal(a.Message, b.Message) && bytes.Equal(a.Signature, b.Signature)
	}) {
		t.Fatalf("Decode(Encode(items)) differs from items")
	}
	res, err := sigverify.Verify(got)
	if err != nil || res.Valid != len(items)-len(want) || !slices.Equal(res.Failed, want) {
		t.Errorf("Verify = %+v, %v, want valid %d, failed %v", res, err, len(items)-len(want), want)
	}
	empty, err := sigverify.Decode(strings.NewReader("[]"), 0)
	if err != nil || len(empty) != 0 {
		t.Fatalf("Decode([]) = %v, %v", empty, err)
	}
	if res, err := sigverify.Verify(empty); err != nil || res.Valid != 0 || res.Failed == nil {
		t.Errorf("Verify([]) = %+v, %v, want valid 0 and failed []", res, err)
	}
}

func TestResultJSON(t *testing.T) {
	for _, c := range []struct {
		r    sigverify.Result
		want string
	}{
		{sigverify.Result{Valid: 3, Failed: []int{}}, `{"valid": 3, "failed": []}`},
		{sigverify.Result{Valid: 0}, `{"valid": 0, "failed": []}`},
		{sigverify.Result{Valid: 1, Failed: []int{0, 2, 10}}, `{"valid": 1, "failed": [0, 2, 10]}`},
	} {
		raw, err := c.r.MarshalJSON()
		if err != nil || string(raw) != c.want {
			t.Errorf("%+v.MarshalJSON() = %s, %v, want %s", c.r, raw, err, c.want)
		}
		compact, err := json.Marshal(c.r)
		if want := strings.ReplaceAll(c.want, " ", ""); err != nil || string(compact) != want {
			t.Errorf("json.Marshal(%+v) = %s, %v, want %s", c.r, compact, err, want)
		}
		var back sigverify.Result
		if err := json.Unmarshal(raw, &back); err != nil || back.Valid != c.r.Valid || len(back.Failed) != len(c.r.Failed) {
			t.Errorf("json.Unmarshal(%s) = %+v, %v", raw, back, err)
		}
	}
}
