package decompress

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc/bn254"

	"github.com/cairn-node/cairn/accel"
)

// Sizes of the compressed encodings, in bytes.
const (
	G1Size = bn254.SizeOfG1AffineCompressed
	G2Size = bn254.SizeOfG2AffineCompressed
)

// ErrInvalidPoint is wrapped by the errors of points that do not decode.
var ErrInvalidPoint = errors.New("decompress: invalid compressed point")

// Decompressor decodes compressed BN254 points. Methods only read src and
// write dst; they are safe for concurrent use.
type Decompressor interface {
	// Backend reports which implementation decodes.
	Backend() accel.Backend
	// G1 decodes len(dst) points of G1Size bytes from src, which must
	// hold exactly that many bytes (else an error wrapping
	// accel.ErrInvalidParams).
	G1(dst []bn254.G1Affine, src []byte) error
	// G2 is G1 for G2 points of G2Size bytes.
	G2(dst []bn254.G2Affine, src []byte) error
}

// New returns the decompressor of backend b: [accel.Go] (always) or
// [accel.SIMD] (AVX-512 IFMA on amd64, else an error wrapping
// [accel.ErrUnavailable]). Icicle has none: an error wrapping
// accel.ErrUnavailable; any other value wraps [accel.ErrUnknownBackend].
func New(b accel.Backend) (Decompressor, error) {
	switch b {
	case accel.Go:
		return goDecompressor{}, nil
	case accel.SIMD:
		return newSIMD()
	case accel.Icicle:
		return nil, fmt.Errorf("decompress: icicle has no point decompression; use go or simd: %w", accel.ErrUnavailable)
	}
	return nil, fmt.Errorf("decompress: new backend %q: %w (want go or simd)", b, accel.ErrUnknownBackend)
}

// Available returns nil when New(b) would succeed, else New's error.
func Available(b accel.Backend) error {
	_, err := New(b)
	return err
}

// ForSize returns the decompressor that the process's router
// ([accel.DefaultRouter]: the machine probe, CAIRN_ACCEL and
// CAIRN_ACCEL_DECOMPRESS) picks for n points.
func ForSize(n int) (Decompressor, error) {
	b, err := accel.PickDefault(accel.KernelDecompress, n, Unit)
	if err != nil {
		return nil, fmt.Errorf("decompress: %w", err)
	}
	return New(b)
}

// checkLength reports an error wrapping accel.ErrInvalidParams unless src
// holds n points of size bytes.
func checkLength(group string, n, size int, src []byte) error {
	if len(src) != n*size {
		return fmt.Errorf("decompress: %s: %d bytes for %d points of %d: %w", group, len(src), n, size, accel.ErrInvalidParams)
	}
	return nil
}

// readPiece is how many points ReadG1 and ReadG2 read and decode at a
// time.
const readPiece = 1 << 16

// ReadG1 reads a G1 slice as gnark-crypto's Encoder writes it with point
// compression (a big-endian uint32 count, then the points) and decodes it
// with d. max is the most points the input can hold (the bytes left in a
// file over G1Size, say): a larger count, like a short read, is an error
// wrapping io.ErrUnexpectedEOF, so that a corrupt count cannot make
// ReadG1 allocate beyond the input's size.
func ReadG1(r io.Reader, d Decompressor, max int) ([]bn254.G1Affine, error) {
	return readSlice(r, G1Size, max, d.G1)
}

// ReadG2 is ReadG1 for a G2 slice (max counts points of G2Size bytes).
func ReadG2(r io.Reader, d Decompressor, max int) ([]bn254.G2Affine, error) {
	return readSlice(r, G2Size, max, d.G2)
}

func readSlice[P any](r io.Reader, size, max int, decode func([]P, []byte) error) ([]P, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("decompress: read count: %w", noEOF(err))
	}
	n := int(binary.BigEndian.Uint32(head[:]))
	if n > max {
		return nil, fmt.Errorf("decompress: a count of %d points, more than the input's %d: %w", n, max, io.ErrUnexpectedEOF)
	}
	out := make([]P, n)
	buf := make([]byte, min(n, readPiece)*size)
	for at := 0; at < n; at += readPiece {
		k := min(n-at, readPiece)
		if _, err := io.ReadFull(r, buf[:k*size]); err != nil {
			return nil, fmt.Errorf("decompress: read points %d to %d of %d: %w", at, at+k, n, noEOF(err))
		}
		if err := decode(out[at:at+k], buf[:k*size]); err != nil {
			return nil, fmt.Errorf("decompress: points from %d: %w", at, err)
		}
	}
	return out, nil
}

// noEOF turns io.EOF, which means nothing of a required part was read,
// into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
