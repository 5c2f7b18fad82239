package mplex

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// Frame limits.
const (
	// MaxFrameSize is the largest data segment accepted in one frame:
	// 1 MiB, the spec's limit and js-libp2p's maxMsgSize. A longer frame
	// closes the connection.
	MaxFrameSize = 1 << 20
	// MaxWriteFrame is the largest data segment this package sends in one
	// frame (64 KiB); longer writes are split.
	MaxWriteFrame = 64 << 10
	// maxVarintLen is the longest uvarint accepted: 9 bytes (63 bits), as
	// the unsigned-varint spec allows.
	maxVarintLen = 9
	// maxHeaderLen is the most bytes a frame's two varints take.
	maxHeaderLen = 2 * maxVarintLen
)

// flag is the message type in the low three bits of a frame header.
type flag uint8

// The flags of the spec. Even flags (but NewStream) are sent by a stream's
// initiator, odd flags by its receiver.
const (
	flagNewStream        flag = 0
	flagMessageReceiver  flag = 1
	flagMessageInitiator flag = 2
	flagCloseReceiver    flag = 3
	flagCloseInitiator   flag = 4
	flagResetReceiver    flag = 5
	flagResetInitiator   flag = 6
)

// String returns the spec's name of f.
func (f flag) String() string {
	switch f {
	case flagNewStream:
		return "NewStream"
	case flagMessageReceiver:
		return "MessageReceiver"
	case flagMessageInitiator:
		return "MessageInitiator"
	case flagCloseReceiver:
		return "CloseReceiver"
	case flagCloseInitiator:
		return "CloseInitiator"
	case flagResetReceiver:
		return "ResetReceiver"
	case flagResetInitiator:
		return "ResetInitiator"
	}
	return fmt.Sprintf("flag(%d)", uint8(f))
}

// fromInitiator reports whether a frame with flag f comes from the
// initiator of its stream, that is whether it concerns a stream the
// receiving side did not open.
func (f flag) fromInitiator() bool { return f&1 == 0 }

// Errors of malformed input; they all wrap ErrProtocol, and the connection
// error returned by AcceptStream after such input wraps them.
var (
	// ErrProtocol is wrapped by every error about bad input from the peer.
	ErrProtocol = errors.New("mplex: protocol violation")
	// ErrBadVarint: a header or length varint is longer than 9 bytes.
	ErrBadVarint = fmt.Errorf("%w: varint longer than %d bytes", ErrProtocol, maxVarintLen)
	// ErrUnknownFlag: a frame header has flag 7.
	ErrUnknownFlag = fmt.Errorf("%w: unknown flag", ErrProtocol)
	// ErrFrameTooLarge: a frame's length is over MaxFrameSize.
	ErrFrameTooLarge = fmt.Errorf("%w: frame larger than %d bytes", ErrProtocol, MaxFrameSize)
	// ErrDuplicateStream: a NewStream frame names a stream id in use.
	ErrDuplicateStream = fmt.Errorf("%w: NewStream for an open stream id", ErrProtocol)
)

// header is a decoded frame header: the data segment of length bytes
// follows it on the wire.
type header struct {
	id     uint64
	flag   flag
	length int
}

// readUvarint reads an unsigned varint of at most maxVarintLen bytes. A
// clean EOF before the first byte is io.EOF; EOF inside the varint is
// io.ErrUnexpectedEOF.
func readUvarint(r io.ByteReader) (uint64, error) {
	var x uint64
	for i := range maxVarintLen {
		b, err := r.ReadByte()
		if err != nil {
			if i > 0 && errors.Is(err, io.EOF) {
				return 0, io.ErrUnexpectedEOF
			}
			return 0, err
		}
		x |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, ErrBadVarint
}

// readHeader reads one frame header and checks it: the flag is known and
// the length at most MaxFrameSize. The data segment is left in r.
func readHeader(r io.ByteReader) (header, error) {
	h, err := readUvarint(r)
	if err != nil {
		return header{}, err
	}
	f := flag(h & 7)
	if f > flagResetInitiator {
		return header{}, fmt.Errorf("%w %d (stream %d)", ErrUnknownFlag, uint8(f), h>>3)
	}
	n, err := readUvarint(r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return header{}, err
	}
	if n > MaxFrameSize {
		return header{}, fmt.Errorf("%w: %s frame of %d bytes on stream %d", ErrFrameTooLarge, f, n, h>>3)
	}
	return header{id: h >> 3, flag: f, length: int(n)}, nil
}

// readFrame reads one whole frame; the returned data is newly allocated.
// Errors are those of readHeader, or io.ErrUnexpectedEOF for a short data
// segment.
func readFrame(r *bufio.Reader) (header, []byte, error) {
	h, err := readHeader(r)
	if err != nil {
		return header{}, nil, err
	}
	data := make([]byte, h.length)
	if _, err := io.ReadFull(r, data); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return header{}, nil, err
	}
	return h, data, nil
}

// appendFrame appends the frame (id, f, data) to dst. It is the caller's
// duty that len(data) <= MaxFrameSize and id < 1<<60.
func appendFrame(dst []byte, id uint64, f flag, data []byte) []byte {
	dst = appendUvarint(dst, id<<3|uint64(f))
	dst = appendUvarint(dst, uint64(len(data)))
	return append(dst, data...)
}

// appendUvarint appends x as an unsigned varint.
func appendUvarint(dst []byte, x uint64) []byte {
	for x >= 0x80 {
		dst = append(dst, byte(x)|0x80)
		x >>= 7
	}
	return append(dst, byte(x))
}
