package decompress

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/consensys/gnark-crypto/ecc/bn254"

	"github.com/cairn-node/cairn/accel"
)

// goDecompressor is the go backend: gnark-crypto's Decoder, which splits
// the square roots over all CPUs.
type goDecompressor struct{}

var _ Decompressor = goDecompressor{}

func (goDecompressor) Backend() accel.Backend { return accel.Go }

// G1 decodes with gnark-crypto.
func (goDecompressor) G1(dst []bn254.G1Affine, src []byte) error {
	return gnarkDecode("G1", dst, src, G1Size, parseG1, solveG1)
}

// G2 decodes with gnark-crypto.
func (goDecompressor) G2(dst []bn254.G2Affine, src []byte) error {
	return gnarkDecode("G2", dst, src, G2Size, parseG2, solveG2)
}

// gnarkDecode decodes src with gnark-crypto's Decoder into dst (which it
// reuses, the lengths matching). The Decoder would read a point with the
// uncompressed flag as 64 or 128 bytes, so flags are checked first; where
// either fails, the point-by-point decoder (parse, solve) names the first
// bad point.
func gnarkDecode[P any](g string, dst []P, src []byte, size int,
	parse func(*P, int, []byte) (header, error), solve func(*P, header, int) error) error {
	if err := checkLength(g, len(dst), size, src); err != nil {
		return err
	}
	for i := range dst {
		if src[i*size]&flagMask == flagUncompressed {
			// gnark-crypto would read it as longer: name the first bad
			// point, this one or an earlier one.
			return firstInvalid(g, src[:(i+1)*size], size, parse, solve)
		}
	}
	var head [4]byte
	binary.BigEndian.PutUint32(head[:], uint32(len(dst)))
	dec := bn254.NewDecoder(io.MultiReader(bytes.NewReader(head[:]), bytes.NewReader(src)), bn254.NoSubgroupChecks())
	out := dst
	err := dec.Decode(&out)
	if err == nil {
		return nil
	}
	if err := firstInvalid(g, src, size, parse, solve); err != nil {
		return err
	}
	return fmt.Errorf("decompress: %s: gnark-crypto: %v: %w", g, err, ErrInvalidPoint)
}

// firstInvalid decodes src's points one by one and returns the error of
// the first that does not decode, or nil.
func firstInvalid[P any](g string, src []byte, size int,
	parse func(*P, int, []byte) (header, error), solve func(*P, header, int) error) error {
	for i := range len(src) / size {
		var p P
		h, err := parse(&p, i, src[i*size:(i+1)*size])
		if err == nil && !h.infinity {
			err = solve(&p, h, i)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
