package membership

import (
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// ErrField is wrapped by [ParseField] errors.
var ErrField = errors.New("membership: invalid field element")

// ParseField parses a BN254 scalar written as the contract and block
// explorers show a uint256: "0x"-prefixed big-endian hex (up to 64
// digits) or a decimal number. The value must be below the field modulus
// r; leading and trailing spaces are an error, as is an empty string.
func ParseField(s string) (fr.Element, error) {
	var v big.Int
	var ok bool
	if hex, isHex := strings.CutPrefix(s, "0x"); isHex || strings.HasPrefix(s, "0X") {
		if !isHex {
			hex = s[2:]
		}
		if len(hex) == 0 || len(hex) > 64 {
			return fr.Element{}, fmt.Errorf("%w: %q: want 1 to 64 hex digits after 0x", ErrField, s)
		}
		_, ok = v.SetString(hex, 16)
	} else {
		if len(s) == 0 || len(s) > 78 || s[0] == '+' || s[0] == '-' {
			return fr.Element{}, fmt.Errorf("%w: %q: want 0x-prefixed hex or an unsigned decimal", ErrField, s)
		}
		_, ok = v.SetString(s, 10)
	}
	if !ok {
		return fr.Element{}, fmt.Errorf("%w: %q: want 0x-prefixed hex or an unsigned decimal", ErrField, s)
	}
	if v.Cmp(fr.Modulus()) >= 0 {
		return fr.Element{}, fmt.Errorf("%w: %q is not below the BN254 scalar field modulus", ErrField, s)
	}
	var e fr.Element
	e.SetBigInt(&v)
	return e, nil
}

// FormatField writes e as ParseField reads it back: 0x and 64 lower-case
// big-endian hex digits.
func FormatField(e fr.Element) string {
	b := e.Bytes()
	return fmt.Sprintf("0x%x", b[:])
}
