package message

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Defaults of The Waku Network.
const (
	// DefaultClusterID is the cluster of The Waku Network.
	DefaultClusterID uint16 = 1
	// DefaultShardCount is the number of generation-0 autosharding shards
	// of The Waku Network.
	DefaultShardCount = 8
)

var (
	// ErrInvalidContentTopic is wrapped by ParseContentTopic's errors.
	ErrInvalidContentTopic = errors.New("message: invalid content topic")
	// ErrUnsupportedGeneration is wrapped (with ErrInvalidContentTopic) when
	// a content topic names an autosharding generation other than 0, which
	// nwaku does not support either.
	ErrUnsupportedGeneration = errors.New("message: unsupported autosharding generation")
	// ErrInvalidPubsubTopic is wrapped by ParsePubsubTopic's errors.
	ErrInvalidPubsubTopic = errors.New("message: invalid pubsub topic")
)

// ContentTopic is a parsed content topic of the form
// /application/version/name/encoding, optionally prefixed with the
// autosharding generation: /0/application/version/name/encoding. The parts
// are non-empty and contain no '/'.
type ContentTopic struct {
	// Generation0 records an explicit "/0" prefix; only generation 0 exists.
	Generation0 bool
	Application string
	Version     string
	Name        string
	Encoding    string
}

// ParseContentTopic parses s as nwaku's NsContentTopic.parse does, except
// that the generation, when present, must be "0": nwaku parses other numbers
// but cannot shard them (ErrUnsupportedGeneration). Errors wrap
// ErrInvalidContentTopic.
func ParseContentTopic(s string) (ContentTopic, error) {
	var ct ContentTopic
	if !strings.HasPrefix(s, "/") {
		return ct, fmt.Errorf("%w %q: must start with a slash", ErrInvalidContentTopic, s)
	}
	parts := strings.Split(s[1:], "/")
	switch len(parts) {
	case 4:
	case 5:
		gen := parts[0]
		if gen == "" {
			return ct, fmt.Errorf("%w %q: generation is empty", ErrInvalidContentTopic, s)
		}
		if strings.Trim(gen, "0123456789") != "" {
			return ct, fmt.Errorf("%w %q: generation %q is not a number", ErrInvalidContentTopic, s, gen)
		}
		if gen != "0" {
			return ct, fmt.Errorf("%w %q: %w %s (only 0)", ErrInvalidContentTopic, s, ErrUnsupportedGeneration, gen)
		}
		ct.Generation0 = true
		parts = parts[1:]
	default:
		return ct, fmt.Errorf("%w %q: want /application/version/name/encoding or /0/application/version/name/encoding", ErrInvalidContentTopic, s)
	}
	for i, what := range [...]string{"application", "version", "name", "encoding"} {
		if parts[i] == "" {
			return ct, fmt.Errorf("%w %q: %s is empty", ErrInvalidContentTopic, s, what)
		}
	}
	ct.Application, ct.Version, ct.Name, ct.Encoding = parts[0], parts[1], parts[2], parts[3]
	return ct, nil
}

// String returns the content topic as ParseContentTopic read it.
func (ct ContentTopic) String() string {
	s := "/" + ct.Application + "/" + ct.Version + "/" + ct.Name + "/" + ct.Encoding
	if ct.Generation0 {
		s = "/0" + s
	}
	return s
}

// PubsubTopic is a relay shard, /waku/2/rs/<cluster>/<shard> (RFC 51 static
// sharding).
type PubsubTopic struct {
	Cluster uint16
	Shard   uint16
}

// String returns the pubsub topic, e.g. "/waku/2/rs/1/3".
func (p PubsubTopic) String() string {
	return "/waku/2/rs/" + strconv.Itoa(int(p.Cluster)) + "/" + strconv.Itoa(int(p.Shard))
}

const pubsubPrefix = "/waku/2/rs/"

// ParsePubsubTopic parses /waku/2/rs/<cluster>/<shard> with decimal uint16
// numbers in canonical form (no sign, no leading zeros), so that the result's
// String is s. Errors wrap ErrInvalidPubsubTopic.
func ParsePubsubTopic(s string) (PubsubTopic, error) {
	var p PubsubTopic
	rest, ok := strings.CutPrefix(s, pubsubPrefix)
	if !ok {
		return p, fmt.Errorf("%w %q: must start with %s", ErrInvalidPubsubTopic, s, pubsubPrefix)
	}
	c, sh, ok := strings.Cut(rest, "/")
	if !ok {
		return p, fmt.Errorf("%w %q: want %s<cluster>/<shard>", ErrInvalidPubsubTopic, s, pubsubPrefix)
	}
	var err error
	if p.Cluster, err = parseUint16(c); err != nil {
		return p, fmt.Errorf("%w %q: cluster: %w", ErrInvalidPubsubTopic, s, err)
	}
	if p.Shard, err = parseUint16(sh); err != nil {
		return p, fmt.Errorf("%w %q: shard: %w", ErrInvalidPubsubTopic, s, err)
	}
	return p, nil
}

// parseUint16 parses a canonical decimal uint16.
func parseUint16(s string) (uint16, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%q is not a canonical decimal number", s)
	}
	v, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is above 65535", s)
	}
	return uint16(v), nil
}

// Shard returns the relay shard of ct under RFC 51 autosharding, as nwaku's
// getGenZeroShard computes it: the last 8 bytes of
// sha256(application ‖ version), read big-endian, modulo numShards.
// The generation prefix, name and encoding do not matter. numShards must be
// between 1 and 65536; anything else is a programmer error and panics.
func Shard(ct ContentTopic, clusterID uint16, numShards int) PubsubTopic {
	if numShards < 1 || numShards > 1<<16 {
		panic(fmt.Sprintf("BUG: message.Shard: numShards %d outside [1, 65536]", numShards))
	}
	h := sha256.New()
	h.Write([]byte(ct.Application))
	h.Write([]byte(ct.Version))
	var sum [32]byte
	h.Sum(sum[:0])
	v := binary.BigEndian.Uint64(sum[24:])
	return PubsubTopic{Cluster: clusterID, Shard: uint16(v % uint64(numShards))}
}
