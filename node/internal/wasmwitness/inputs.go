package wasmwitness

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ErrNotFound means [Locate] found no rln.wasm.
var ErrNotFound = errors.New("wasmwitness: rln.wasm not found")

// EnvWasm names the environment variable that overrides where [Locate] looks
// for rln.wasm.
const EnvWasm = "CAIRN_RLN_WASM"

// sharedWasm is where the shared circuit artifacts keep rln.wasm, relative to
// a directory that holds "shared/" (the checkout or its parent).
var sharedWasm = filepath.Join("shared", "vectors", "rln", "rln.wasm")

// Locate returns the path of zerokit's rln.wasm (RLN v2, tree depth 20): the
// file named by $CAIRN_RLN_WASM if set, else shared/vectors/rln/rln.wasm in
// the working directory or the nearest ancestor that has one (a checkout's
// sibling ../shared included). Tests call it and skip when it returns an
// error wrapping [ErrNotFound].
func Locate() (string, error) {
	if p := os.Getenv(EnvWasm); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: $%s=%s: %w", ErrNotFound, EnvWasm, p, err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	for {
		p := filepath.Join(dir, sharedWasm)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("%w: no %s in any parent directory; set $%s to zerokit v2.0.2 rln/resources/tree_depth_20/rln.wasm",
				ErrNotFound, sharedWasm, EnvWasm)
		}
		dir = parent
	}
}

// ParseInputs decodes circom's input JSON: an object that maps each input
// signal name to a number or (nested) array of numbers, each a decimal
// string or a JSON number (negative values are taken mod r; hex strings with
// a 0x prefix are accepted). Arrays are flattened in row-major order, as
// circom lays them out.
func ParseInputs(b []byte) (map[string][]fr.Element, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: input JSON: %w", ErrInput, err)
	}
	out := make(map[string][]fr.Element, len(raw))
	for name, v := range raw {
		vals, err := flatten(nil, v)
		if err != nil {
			return nil, fmt.Errorf("%w: input signal %q: %w", ErrInput, name, err)
		}
		out[name] = vals
	}
	return out, nil
}

func flatten(dst []fr.Element, v json.RawMessage) ([]fr.Element, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, err
		}
		for _, it := range items {
			var err error
			if dst, err = flatten(dst, it); err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	var s string
	if len(v) > 0 && v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, err
		}
	} else {
		s = string(v)
	}
	base := 10
	if t, ok := strings.CutPrefix(s, "0x"); ok {
		s, base = t, 16
	}
	x, ok := new(big.Int).SetString(s, base)
	if !ok {
		return nil, fmt.Errorf("%q is not an integer", s)
	}
	var e fr.Element
	e.SetBigInt(x) // reduces mod r, negative values included
	return append(dst, e), nil
}
