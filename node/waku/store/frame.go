package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cairn-node/cairn/node/relay/message"
)

// Frame size limits. nwaku reads frames without a limit (DefaultMaxRpcSize
// = -1); js-waku's it-length-prefixed stops at 4 MiB.
const (
	// MaxRequestSize is the largest request frame the server reads: room
	// for about 30 000 message hashes.
	MaxRequestSize = 1 << 20
	// MaxResponseSize is the largest response frame the client reads: a
	// full page of the largest messages, with room for the keys and topics.
	MaxResponseSize = MaxPageSize*(message.MaxSize+1<<10) + 1<<16
)

// errFrameTooLarge is wrapped by readFrame when the length prefix is above
// the limit.
var errFrameTooLarge = errors.New("frame too large")

// writeFrame writes b with its uvarint length prefix, as nim-libp2p's
// writeLp and js-waku's it-length-prefixed do, in one Write.
func writeFrame(w io.Writer, b []byte) error {
	_, err := w.Write(append(binary.AppendUvarint(make([]byte, 0, len(b)+binary.MaxVarintLen64), uint64(len(b))), b...))
	return err
}

// readFrame reads one uvarint-length-prefixed frame of at most max bytes.
// It reads nothing past the frame.
func readFrame(r io.Reader, max int) ([]byte, error) {
	n, err := binary.ReadUvarint(byteReader{r})
	if err != nil {
		return nil, fmt.Errorf("read frame length: %w", err)
	}
	if n > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes, above the maximum %d", errFrameTooLarge, n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("read frame of %d bytes: %w", n, err)
	}
	return b, nil
}

// byteReader reads one byte at a time, so that ReadUvarint does not
// consume the frame body (a bufio.Reader would read ahead).
type byteReader struct{ r io.Reader }

var _ io.ByteReader = byteReader{}

func (b byteReader) ReadByte() (byte, error) {
	var p [1]byte
	_, err := io.ReadFull(b.r, p[:])
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return p[0], err
}
