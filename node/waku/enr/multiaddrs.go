package enr

import (
	"encoding/binary"
	"errors"
	"fmt"

	ma "github.com/multiformats/go-multiaddr"
)

// MultiaddrsKey is the ENR key of the multiaddrs field.
const MultiaddrsKey = "multiaddrs"

// EncodeMultiaddrs encodes addrs as a "multiaddrs" value: each address,
// its /p2p component removed, in binary form after its length as u16 BE.
// It fails for an address longer than 65535 bytes.
func EncodeMultiaddrs(addrs []ma.Multiaddr) ([]byte, error) {
	var b []byte
	for _, a := range addrs {
		raw := stripP2P(a).Bytes()
		if len(raw) > 0xffff {
			return nil, fmt.Errorf("enr: multiaddrs: %s is %d bytes, at most 65535 fit", a, len(raw))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(raw)))
		b = append(b, raw...)
	}
	return b, nil
}

// DecodeMultiaddrs decodes a "multiaddrs" value as nwaku does: a
// truncated entry or a zero length fails the field, while an entry that is
// not a valid multiaddr is skipped.
func DecodeMultiaddrs(b []byte) ([]ma.Multiaddr, error) {
	var out []ma.Multiaddr
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, errors.New("enr: multiaddrs: truncated length")
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if n == 0 {
			return nil, errors.New("enr: multiaddrs: zero length")
		}
		if n > len(b) {
			return nil, fmt.Errorf("enr: multiaddrs: length %d beyond the %d bytes left", n, len(b))
		}
		if a, err := ma.NewMultiaddrBytes(b[:n]); err == nil {
			out = append(out, a)
		}
		b = b[n:]
	}
	return out, nil
}

// stripP2P returns a without its /p2p components.
func stripP2P(a ma.Multiaddr) ma.Multiaddr {
	var out ma.Multiaddr
	for _, c := range a {
		if c.Protocol().Code != ma.P_P2P {
			out = append(out, c)
		}
	}
	return out
}
