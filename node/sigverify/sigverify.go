// Package sigverify is the JSON format of signature batches shared by the
// node's REST API (POST [VerifyPath], package node/sigverify/httpapi) and
// `cairn sig verify-batch`, and the glue between it and the accel kernel
// accel/sigbatch.
//
// A batch is a JSON list of items:
//
//	[{"scheme": "ed25519", "public_key": "d75a…", "message": "", "signature": "e556…"},
//	 {"scheme": "bls12-381", "public_key": "8f62…", "message": "810c…", "signature": "a6bf…"}]
//
// scheme is ed25519, bls12-381 or secp256k1 (see accel/sigbatch for each
// scheme's encodings); the other three fields are hex (an optional 0x
// prefix is accepted; message may be empty). The answer is
//
//	{"valid": N, "failed": [i, j, …]}
//
// with the failed item indices ascending. A bls12-381 item may be an
// aggregate signature instead: "public_keys" (a list of hex keys, every
// signer of the message) replaces "public_key".
//
// # Usage
//
//	items, err := sigverify.Decode(r, sigverify.MaxItems) // errors name the item
//	res, err := sigverify.Verify(items)                    // routed accel verifier
//	raw, _ := res.MarshalJSON()                            // {"valid": 2, "failed": [1]}
package sigverify

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cairn-node/cairn/accel/sigbatch"
)

// VerifyPath is where a node serves batch verification (POST).
const VerifyPath = "/api/accel/v1/verify"

// MaxItems is the default item limit of Decode: a 64 MiB body holds fewer
// items than this, each being at least about 60 bytes of JSON.
const MaxItems = 1 << 20

// ErrInvalid reports a batch document that is not a JSON list of items
// with hex fields and known schemes; the error text names the item.
var ErrInvalid = errors.New("sigverify: invalid batch")

// Item is one item of the JSON format. Decode requires every field; the
// message may be the empty string.
type Item struct {
	Scheme    string `json:"scheme"`
	PublicKey string `json:"public_key"`
	Message   string `json:"message"`
	Signature string `json:"signature"`
}

// AggregateItem is a bls12-381 aggregate signature in the JSON format:
// PublicKeys, the keys of every signer of Message, replace public_key
// (see sigbatch.Item).
type AggregateItem struct {
	Scheme     string   `json:"scheme"`
	PublicKeys []string `json:"public_keys"`
	Message    string   `json:"message"`
	Signature  string   `json:"signature"`
}

// rawItem is Item with presence: a nil field was missing.
type rawItem struct {
	Scheme     *string   `json:"scheme"`
	PublicKey  *string   `json:"public_key"`
	PublicKeys *[]string `json:"public_keys"`
	Message    *string   `json:"message"`
	Signature  *string   `json:"signature"`
}

// Decode reads one JSON list of items from r and returns them as kernel
// items; nothing may follow the list but white space. Unknown fields,
// missing fields, unknown schemes, text that is not hex and more than
// maxItems items (0 means MaxItems) are errors wrapping ErrInvalid that
// name the item ("item 3: public_key: …"). Lengths and points are not
// checked here: an item with a key of the wrong size decodes, and fails
// verification.
func Decode(r io.Reader, maxItems int) ([]sigbatch.Item, error) {
	if maxItems <= 0 {
		maxItems = MaxItems
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	tok, err := dec.Token()
	if err != nil {
		return nil, invalid("want a JSON list of items: %w", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, invalid("want a JSON list of items, got %v", tok)
	}
	items := []sigbatch.Item{}
	for dec.More() {
		i := len(items)
		if i == maxItems {
			return nil, invalid("more than %d items; split the batch", maxItems)
		}
		var raw rawItem
		if err := dec.Decode(&raw); err != nil {
			return nil, invalid("item %d: %w", i, err)
		}
		it, err := raw.item()
		if err != nil {
			return nil, invalid("item %d: %w", i, err)
		}
		items = append(items, it)
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalid("after item %d: %w", len(items)-1, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalid("data after the list of %d items; send one list", len(items))
	}
	return items, nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// item converts a decoded JSON item.
func (r rawItem) item() (sigbatch.Item, error) {
	var it sigbatch.Item
	if r.Scheme == nil {
		return it, errors.New(`"scheme" missing (want ed25519, bls12-381 or secp256k1)`)
	}
	s, err := sigbatch.ParseScheme(*r.Scheme)
	if err != nil {
		return it, err
	}
	it.Scheme = s
	key := r.PublicKey
	if r.PublicKeys != nil {
		if r.PublicKey != nil {
			return it, errors.New(`both "public_key" and "public_keys"; an aggregate signature has "public_keys" only`)
		}
		if s != sigbatch.BLS12381 || len(*r.PublicKeys) == 0 {
			return it, errors.New(`"public_keys" (an aggregate signature) needs scheme bls12-381 and at least one key`)
		}
		it.PublicKeys = make([][]byte, len(*r.PublicKeys))
		for k, h := range *r.PublicKeys {
			b, err := hex.DecodeString(strings.TrimPrefix(h, "0x"))
			if err != nil {
				return it, fmt.Errorf("public_keys[%d]: not hex: %w", k, err)
			}
			it.PublicKeys[k] = b
		}
		none := ""
		key = &none // checked below as present
	}
	for _, f := range []struct {
		name string
		in   *string
		out  *[]byte
	}{{"public_key", key, &it.PublicKey}, {"message", r.Message, &it.Message}, {"signature", r.Signature, &it.Signature}} {
		if f.in == nil {
			return it, fmt.Errorf("%q missing (hex; use \"\" for an empty message)", f.name)
		}
		b, err := hex.DecodeString(strings.TrimPrefix(*f.in, "0x"))
		if err != nil {
			return it, fmt.Errorf("%s: not hex: %w", f.name, err)
		}
		*f.out = b
	}
	return it, nil
}

// Encode returns the JSON list of items, one item per line, in the format
// Decode reads.
func Encode(items []sigbatch.Item) []byte {
	var b strings.Builder
	b.WriteString("[")
	for i, it := range items {
		if i > 0 {
			b.WriteString(",")
		}
		var ji any = Item{Scheme: string(it.Scheme), PublicKey: hex.EncodeToString(it.PublicKey),
			Message: hex.EncodeToString(it.Message), Signature: hex.EncodeToString(it.Signature)}
		if len(it.PublicKeys) > 0 {
			keys := make([]string, len(it.PublicKeys))
			for k, pk := range it.PublicKeys {
				keys[k] = hex.EncodeToString(pk)
			}
			ji = AggregateItem{Scheme: string(it.Scheme), PublicKeys: keys,
				Message: hex.EncodeToString(it.Message), Signature: hex.EncodeToString(it.Signature)}
		}
		line, err := json.Marshal(ji)
		if err != nil {
			panic("BUG: marshal sigverify.Item: " + err.Error()) // strings only
		}
		b.WriteString("\n ")
		b.Write(line)
	}
	b.WriteString("\n]\n")
	return []byte(b.String())
}

// Result is the answer to a batch: the number of valid items and the
// indices of the others, ascending.
type Result struct {
	Valid  int   `json:"valid"`
	Failed []int `json:"failed"`
}

// MarshalJSON writes {"valid": N, "failed": [i, j]}, with failed [] (never
// null) when nothing failed. Called directly it keeps those spaces, the
// format of the REST answer and of `cairn sig verify-batch --json`;
// json.Marshal compacts it.
func (r Result) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteString(`{"valid": `)
	b.WriteString(strconv.Itoa(r.Valid))
	b.WriteString(`, "failed": [`)
	for i, f := range r.Failed {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(f))
	}
	b.WriteString("]}")
	return []byte(b.String()), nil
}

// Verify verifies items with the verifier the accel router picks for their
// number (sigbatch.ForSize) and returns the answer. The error is a routing
// error (a CAIRN_ACCEL_SIGBATCH backend that cannot run here) or a failure
// of the random source.
func Verify(items []sigbatch.Item) (Result, error) {
	v, err := sigbatch.ForSize(len(items))
	if err != nil {
		return Result{}, err
	}
	res, err := v.Verify(items)
	if err != nil {
		return Result{}, err
	}
	return Result{Valid: res.Valid, Failed: res.Failed}, nil
}
