// Package wakustream reads and writes the length-prefixed messages of
// Waku's request/response protocols (filter, lightpush, store): an
// unsigned LEB128 varint byte count followed by that many bytes, as
// nim-libp2p's readLp/writeLp frame them. One stream may carry several
// messages in a row (filter push); each ReadMsg call reads exactly one.
//
// Usage:
//
//	if err := wakustream.WriteMsg(s, req.Encode()); err != nil { … }
//	buf, err := wakustream.ReadMsg(s, maxResponseSize)
package wakustream

import (
	"errors"
	"fmt"
	"io"

	"github.com/cairn-node/cairn/node/internal/minpb"
)

// maxPrefixLen is the longest length prefix accepted: a minimal uvarint
// of a value below 2^63 fits in 9 bytes (nim-libp2p's LP varints are
// bounded the same way).
const maxPrefixLen = 9

// Errors returned by ReadMsg.
var (
	// ErrTooLarge is wrapped when the announced length is above the
	// caller's maximum; the message body is not read.
	ErrTooLarge = errors.New("wakustream: message too large")
	// ErrBadPrefix is wrapped when the length prefix is not a minimal
	// varint of at most 9 bytes.
	ErrBadPrefix = errors.New("wakustream: malformed length prefix")
)

// ReadMsg reads one length-prefixed message of at most max bytes from r
// and returns a new slice the caller owns. It reads the prefix one byte at
// a time, so it never consumes bytes of the next message. It returns
// io.EOF when r ends cleanly before the first prefix byte,
// io.ErrUnexpectedEOF when r ends inside a message, and errors wrapping
// ErrTooLarge or ErrBadPrefix for bad framing.
func ReadMsg(r io.Reader, max int) ([]byte, error) {
	var prefix [maxPrefixLen + 1]byte
	n := 0
	for {
		if _, err := io.ReadFull(r, prefix[n:n+1]); err != nil {
			if errors.Is(err, io.EOF) && n > 0 {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
		n++
		if prefix[n-1] < 0x80 {
			break
		}
		if n == maxPrefixLen {
			return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadPrefix, maxPrefixLen)
		}
	}
	size, _, err := minpb.ReadUvarint(prefix[:n])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPrefix, err)
	}
	if max < 0 || size > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes, above the maximum %d", ErrTooLarge, size, max)
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// WriteMsg writes msg with its length prefix to w in one Write call. msg
// is not retained.
func WriteMsg(w io.Writer, msg []byte) error {
	buf := make([]byte, 0, maxPrefixLen+len(msg))
	buf = appendUvarint(buf, uint64(len(msg)))
	buf = append(buf, msg...)
	_, err := w.Write(buf)
	return err
}

func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
