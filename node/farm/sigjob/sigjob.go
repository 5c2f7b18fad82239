// Package sigjob is the prover farm's "sig-verify" kind: a worker verifies
// a batch of signatures (accel/sigbatch: Ed25519, BLS12-381, secp256k1,
// mixed) and answers per item; the submitter checks the answer before use.
//
//	payload, err := sigjob.EncodeItems(items)
//	res, err := sub.Submit(ctx, sigjob.Kind, payload) // checked by Verifier
//	ok, err := sigjob.DecodeResult(res)                // ok[i] for items[i]
//
// # Cost of checking
//
// Unlike an RLN proof, a signature verdict has no cheap certificate: the
// Verifier re-verifies the items the worker calls valid in one batch (one
// randomised equation per scheme when the worker is honest) and the items
// it calls invalid in another. For an all-valid batch that is the worker's
// own work, so a submitter saves only the bisection of mixed batches. Use
// this kind to move signature batches off a node onto machines it trusts
// less than itself but must not believe blindly; with trusted workers, a
// cheaper Verifier (spot checks) would be a policy of the node's.
//
// # Payload
//
// Version 1, integers big-endian:
//
//	version (1 byte) = 1
//	count   (u32, at most MaxItems)
//	count × { scheme (1 byte: index in sigbatch.Schemes)
//	          key length (u16) key   message length (u32) message
//	          signature length (u16) signature }
//
// The whole payload is at most MaxPayload bytes (NATS's default maximum
// message is 1 MiB). The result is count (u32) then count bits, item i in
// bit i%8 of byte i/8.
package sigjob

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/cairn-node/cairn/accel/sigbatch"
	"github.com/cairn-node/cairn/node/farm"
)

// Kind is the job kind of signature batches.
const Kind = "sig-verify"

// Limits of a payload.
const (
	// MaxItems bounds the items of one job.
	MaxItems = 1 << 16
	// MaxPayload bounds an encoded payload: under NATS's default 1 MiB
	// maximum message, with room for headers.
	MaxPayload = 1<<20 - 4<<10
)

// payloadVersion is the payload layout this package writes and reads.
const payloadVersion = 1

// ErrPayload reports a payload or result that does not decode.
var ErrPayload = errors.New("sigjob: malformed payload")

// ErrWrongResult reports a worker's verdict that re-verification
// contradicts.
var ErrWrongResult = errors.New("sigjob: wrong result")

// EncodeItems returns the payload for items. It fails for an unknown
// scheme, a field too long for its length prefix, or more than MaxItems
// items or MaxPayload bytes.
func EncodeItems(items []sigbatch.Item) ([]byte, error) {
	if len(items) > MaxItems {
		return nil, fmt.Errorf("sigjob: %d items, at most %d per job (split the batch)", len(items), MaxItems)
	}
	out := []byte{payloadVersion}
	out = binary.BigEndian.AppendUint32(out, uint32(len(items)))
	for i, it := range items {
		s := schemeIndex(it.Scheme)
		if s < 0 {
			return nil, fmt.Errorf("sigjob: item %d: unknown scheme %q", i, it.Scheme)
		}
		if len(it.PublicKey) > math.MaxUint16 || len(it.Signature) > math.MaxUint16 {
			return nil, fmt.Errorf("sigjob: item %d: key or signature over %d bytes", i, math.MaxUint16)
		}
		out = append(out, byte(s))
		out = binary.BigEndian.AppendUint16(out, uint16(len(it.PublicKey)))
		out = append(out, it.PublicKey...)
		out = binary.BigEndian.AppendUint32(out, uint32(len(it.Message)))
		out = append(out, it.Message...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(it.Signature)))
		out = append(out, it.Signature...)
		if len(out) > MaxPayload {
			return nil, fmt.Errorf("sigjob: payload over %d bytes at item %d (split the batch)", MaxPayload, i)
		}
	}
	return out, nil
}

func schemeIndex(s sigbatch.Scheme) int {
	for i, k := range sigbatch.Schemes {
		if k == s {
			return i
		}
	}
	return -1
}

// DecodeItems decodes a payload written by EncodeItems. The items' slices
// alias b. Errors wrap ErrPayload.
func DecodeItems(b []byte) ([]sigbatch.Item, error) {
	if len(b) > MaxPayload {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrPayload, len(b), MaxPayload)
	}
	if len(b) < 5 || b[0] != payloadVersion {
		return nil, fmt.Errorf("%w: want version %d and a count (submitter and worker run different cairn versions?)", ErrPayload, payloadVersion)
	}
	n := binary.BigEndian.Uint32(b[1:5])
	if n > MaxItems {
		return nil, fmt.Errorf("%w: %d items, at most %d", ErrPayload, n, MaxItems)
	}
	c := cursor{b: b[5:]}
	items := make([]sigbatch.Item, 0, min(int(n), len(c.b)/9))
	for i := range int(n) {
		s := c.take(1)
		if s == nil || int(s[0]) >= len(sigbatch.Schemes) {
			return nil, fmt.Errorf("%w: item %d: missing or unknown scheme", ErrPayload, i)
		}
		it := sigbatch.Item{Scheme: sigbatch.Schemes[s[0]]}
		it.PublicKey = c.take(int(c.u16()))
		it.Message = c.take(int(c.u32()))
		it.Signature = c.take(int(c.u16()))
		if c.short {
			return nil, fmt.Errorf("%w: item %d is truncated", ErrPayload, i)
		}
		items = append(items, it)
	}
	if len(c.b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the last item", ErrPayload, len(c.b))
	}
	return items, nil
}

// cursor reads a payload front to back; once a read runs past the end,
// short is set and every later read returns nil or 0.
type cursor struct {
	b     []byte
	short bool
}

// take returns the next k bytes (capacity k, aliasing the payload).
func (c *cursor) take(k int) []byte {
	if c.short || k < 0 || k > len(c.b) {
		c.short = true
		return nil
	}
	out := c.b[:k:k]
	c.b = c.b[k:]
	return out
}

func (c *cursor) u16() uint16 {
	if p := c.take(2); p != nil {
		return binary.BigEndian.Uint16(p)
	}
	return 0
}

func (c *cursor) u32() uint32 {
	if p := c.take(4); p != nil {
		return binary.BigEndian.Uint32(p)
	}
	return 0
}

// EncodeResult returns the result for verdicts ok.
func EncodeResult(ok []bool) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(ok)))
	bits := make([]byte, (len(ok)+7)/8)
	for i, v := range ok {
		if v {
			bits[i/8] |= 1 << (i % 8)
		}
	}
	return append(out, bits...)
}

// DecodeResult decodes a result written by EncodeResult. Unused bits of
// the last byte must be zero. Errors wrap ErrPayload.
func DecodeResult(b []byte) ([]bool, error) {
	if len(b) < 4 {
		return nil, fmt.Errorf("%w: result of %d bytes", ErrPayload, len(b))
	}
	n := binary.BigEndian.Uint32(b)
	if n > MaxItems || len(b)-4 != int(n+7)/8 {
		return nil, fmt.Errorf("%w: result for %d items has %d bitmap bytes", ErrPayload, n, len(b)-4)
	}
	ok := make([]bool, n)
	for i := range ok {
		ok[i] = b[4+i/8]&(1<<(i%8)) != 0
	}
	if n%8 != 0 && b[len(b)-1]>>(n%8) != 0 {
		return nil, fmt.Errorf("%w: result sets bits past item %d", ErrPayload, n)
	}
	return ok, nil
}

// NewHandler returns the worker side: it verifies each batch with the
// routed sigbatch verifier (sigbatch.ForSize). A payload that does not
// decode is a final error; a verifier that cannot run (random source, a
// CAIRN_ACCEL_SIGBATCH this worker cannot honour) wraps
// farm.ErrWorkerFault, so another worker takes the job.
func NewHandler() farm.Handler {
	return farm.HandlerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		items, err := DecodeItems(payload)
		if err != nil {
			return nil, err
		}
		res, err := verify(items)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", farm.ErrWorkerFault, err)
		}
		return EncodeResult(res), nil
	})
}

// verify returns sigbatch's per-item verdicts for items.
func verify(items []sigbatch.Item) ([]bool, error) {
	v, err := sigbatch.ForSize(len(items))
	if err != nil {
		return nil, err
	}
	res, err := v.Verify(items)
	if err != nil {
		return nil, err
	}
	return res.OK, nil
}

// Verifier is the submitter side: it re-verifies the items the result
// calls valid as one batch and those it calls invalid as another, and
// accepts the result only when both agree (see the package doc for the
// cost). The zero value is ready to use.
type Verifier struct{}

// Verify implements farm.Verifier. Errors wrap ErrPayload or
// ErrWrongResult, or report a local verifier that cannot run.
func (Verifier) Verify(payload, result []byte) error {
	items, err := DecodeItems(payload)
	if err != nil {
		return err
	}
	claimed, err := DecodeResult(result)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrWrongResult, err)
	}
	if len(claimed) != len(items) {
		return fmt.Errorf("%w: %d verdicts for %d items", ErrWrongResult, len(claimed), len(items))
	}
	for _, want := range []bool{true, false} {
		var idx []int
		var sub []sigbatch.Item
		for i, c := range claimed {
			if c == want {
				idx, sub = append(idx, i), append(sub, items[i])
			}
		}
		if len(sub) == 0 {
			continue
		}
		got, err := verify(sub)
		if err != nil {
			return fmt.Errorf("sigjob: re-verify: %w", err)
		}
		for j, g := range got {
			if g != want {
				return fmt.Errorf("%w: item %d is claimed valid=%v, re-verification says %v", ErrWrongResult, idx[j], want, g)
			}
		}
	}
	return nil
}

var _ farm.Verifier = Verifier{}
