package enr

import (
	"crypto/ecdsa"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/ethereum/go-ethereum/p2p/enode"
	gethenr "github.com/ethereum/go-ethereum/p2p/enr"
	"github.com/ethereum/go-ethereum/rlp"
	ma "github.com/multiformats/go-multiaddr"
)

// ErrNoField is returned (wrapped) by the readers when the record does
// not have the field.
var ErrNoField = errors.New("enr: field not in record")

// Fields are the entries of a Waku node's record beyond id and secp256k1.
// The zero value builds a record with neither address nor Waku fields.
type Fields struct {
	// IP is written as "ip" (IPv4) or "ip6"; nil writes neither.
	IP net.IP
	// TCP and UDP are the libp2p TCP port and the discv5 UDP port; 0
	// writes no entry. With an IPv6 IP they are written as tcp6/udp6,
	// otherwise (IPv4 or no IP) as tcp/udp.
	TCP, UDP int
	// Capabilities is written as "waku2" when non-zero.
	Capabilities Capabilities
	// Shards, when not nil, is written as "rs", or as "rsv" from
	// BitVectorThreshold shards on, as nwaku chooses.
	Shards *RelayShards
	// Multiaddrs, when not empty, is written as "multiaddrs" (for
	// addresses such as /dns4/…/tcp/443/wss or /ip4/…/tcp/8000/ws).
	Multiaddrs []ma.Multiaddr
}

// Entries returns the ENR entries of f, in no particular order (records
// sort their keys). It fails on values that cannot be encoded: shards
// above MaxShardIndex or an over-long multiaddr.
func (f Fields) Entries() ([]gethenr.Entry, error) {
	var es []gethenr.Entry
	six := f.IP != nil && f.IP.To4() == nil
	switch {
	case six:
		es = append(es, gethenr.IPv6(f.IP))
	case f.IP != nil:
		es = append(es, gethenr.IPv4(f.IP.To4()))
	}
	if f.TCP != 0 {
		es = append(es, pick[gethenr.Entry](six, gethenr.TCP6(f.TCP), gethenr.TCP(f.TCP)))
	}
	if f.UDP != 0 {
		es = append(es, pick[gethenr.Entry](six, gethenr.UDP6(f.UDP), gethenr.UDP(f.UDP)))
	}
	if f.Capabilities != 0 {
		es = append(es, gethenr.WithEntry(CapabilitiesKey, []byte{byte(f.Capabilities)}))
	}
	if f.Shards != nil {
		e, err := shardsEntry(*f.Shards)
		if err != nil {
			return nil, err
		}
		es = append(es, e)
	}
	if len(f.Multiaddrs) > 0 {
		v, err := EncodeMultiaddrs(f.Multiaddrs)
		if err != nil {
			return nil, err
		}
		es = append(es, gethenr.WithEntry(MultiaddrsKey, v))
	}
	return es, nil
}

// pick returns a if cond, else b.
func pick[T any](cond bool, a, b T) T {
	if cond {
		return a
	}
	return b
}

// shardsEntry picks rs or rsv as nwaku's withWakuRelaySharding does.
func shardsEntry(rs RelayShards) (gethenr.Entry, error) {
	if len(rs.Shards) >= BitVectorThreshold {
		v, err := rs.BitVector()
		return gethenr.WithEntry(ShardsBitVectorKey, v), err
	}
	v, err := rs.IndicesList()
	return gethenr.WithEntry(ShardsListKey, v), err
}

// Build makes a record with sequence number 1 holding f, signs it with
// key (identity scheme v4) and returns it as a node. Errors: those of
// Fields.Entries, or a record over the 300-byte limit of EIP-778.
func Build(key *ecdsa.PrivateKey, f Fields) (*enode.Node, error) {
	es, err := f.Entries()
	if err != nil {
		return nil, err
	}
	var r gethenr.Record
	r.SetSeq(1)
	for _, e := range es {
		r.Set(e)
	}
	if err := enode.SignV4(&r, key); err != nil {
		return nil, fmt.Errorf("enr: sign record: %w", err)
	}
	return enode.New(enode.ValidSchemes, &r)
}

// Parse decodes a record in text form ("enr:" and base64url RLP) and
// checks its v4 signature. enode:// URLs are refused.
func Parse(s string) (*enode.Node, error) {
	if !strings.HasPrefix(s, "enr:") {
		return nil, fmt.Errorf("enr: parse %.20q: no enr: prefix", s)
	}
	n, err := enode.Parse(enode.ValidSchemes, s)
	if err != nil {
		return nil, fmt.Errorf("enr: parse: %w", err)
	}
	return n, nil
}

// Decode decodes a record in its RLP form (as peer exchange carries it)
// and checks its v4 signature. b is not retained.
func Decode(b []byte) (*enode.Node, error) {
	var r gethenr.Record
	if err := rlp.DecodeBytes(b, &r); err != nil {
		return nil, fmt.Errorf("enr: decode: %w", err)
	}
	n, err := enode.New(enode.ValidSchemes, &r)
	if err != nil {
		return nil, fmt.Errorf("enr: decode: %w", err)
	}
	return n, nil
}

// Encode returns the RLP form of n's record.
func Encode(n *enode.Node) ([]byte, error) {
	b, err := rlp.EncodeToBytes(n.Record())
	if err != nil {
		return nil, fmt.Errorf("enr: encode: %w", err)
	}
	return b, nil
}

// loadBytes reads the byte-string entry key of r.
func loadBytes(r *gethenr.Record, key string) ([]byte, error) {
	var b []byte
	if err := r.Load(gethenr.WithEntry(key, &b)); err != nil {
		if gethenr.IsNotFound(err) {
			return nil, fmt.Errorf("%w: %s", ErrNoField, key)
		}
		return nil, fmt.Errorf("enr: %s: %w", key, err)
	}
	return b, nil
}

// CapabilitiesOf returns the "waku2" field of r. A value that is not
// exactly one byte is an error, as in nwaku.
func CapabilitiesOf(r *gethenr.Record) (Capabilities, error) {
	b, err := loadBytes(r, CapabilitiesKey)
	if err != nil {
		return 0, err
	}
	if len(b) != 1 {
		return 0, fmt.Errorf("enr: waku2: %d bytes, want 1", len(b))
	}
	return Capabilities(b[0]), nil
}

// ShardsOf returns the relay shards of r as nwaku's relaySharding reads
// them: the "rs" field, or, when it is missing or malformed, the "rsv"
// field. It returns ErrNoField when neither is present.
func ShardsOf(r *gethenr.Record) (RelayShards, error) {
	b, rsErr := loadBytes(r, ShardsListKey)
	if rsErr == nil {
		rs, err := DecodeIndicesList(b)
		if err == nil {
			return rs, nil
		}
		rsErr = err
	}
	b, err := loadBytes(r, ShardsBitVectorKey)
	switch {
	case err == nil:
	case !errors.Is(err, ErrNoField):
		return RelayShards{}, err
	case errors.Is(rsErr, ErrNoField):
		return RelayShards{}, fmt.Errorf("%w: %s, %s", ErrNoField, ShardsListKey, ShardsBitVectorKey)
	default:
		return RelayShards{}, rsErr // a malformed rs and no rsv
	}
	return DecodeBitVector(b)
}

// MultiaddrsOf returns the addresses of r's "multiaddrs" field.
func MultiaddrsOf(r *gethenr.Record) ([]ma.Multiaddr, error) {
	b, err := loadBytes(r, MultiaddrsKey)
	if err != nil {
		return nil, err
	}
	return DecodeMultiaddrs(b)
}
