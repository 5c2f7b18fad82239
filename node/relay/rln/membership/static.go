package membership

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// ErrStaticFile is wrapped by every [ParseStatic] error about the content
// of the file.
var ErrStaticFile = errors.New("membership: bad static membership file")

// MaxStaticFileSize bounds the size of a static membership file: 64 MiB,
// room for a full tree of members written out in decimal.
const MaxStaticFileSize = 64 << 20

// StaticMember is one entry of a static membership file.
type StaticMember struct {
	// IDCommitment is the member's id_commitment as [ParseField] reads
	// it: 0x-prefixed big-endian hex or decimal. Required, non-zero.
	IDCommitment string `json:"id_commitment"`
	// UserMessageLimit is the number of messages per epoch; required, at
	// least 1.
	UserMessageLimit uint64 `json:"user_message_limit"`
	// Index is the leaf index; when absent it is one more than the
	// previous entry's (0 for the first), like the contract's
	// nextFreeIndex.
	Index *uint64 `json:"index,omitempty"`
}

// StaticFile is the content of a static membership file; json.Marshal of
// a StaticFile is a file [ParseStatic] reads (tools can write one with it).
type StaticFile struct {
	Members []StaticMember `json:"members"`
}

// ParseStatic reads a static membership file and returns its members as
// tree leaves (rate commitments), in file order. The format is JSON:
//
//	{
//	  "members": [
//	    {"id_commitment": "0x1b2c…", "user_message_limit": 20, "index": 0},
//	    {"id_commitment": "12345678901234567890", "user_message_limit": 100}
//	  ]
//	}
//
// id_commitment is 0x-prefixed big-endian hex (as the contract's
// MembershipRegistered event and block explorers show it) or decimal, and
// must be in (0, r). user_message_limit must be at least 1. index is
// optional: an entry without one takes the previous entry's index plus one
// (the first entry 0). Unknown fields, a repeated index and a repeated
// id_commitment are errors. Each error names the member (its position,
// counting from 1) and its line in the file, and wraps [ErrStaticFile].
// ParseStatic reads at most [MaxStaticFileSize] bytes.
func ParseStatic(r io.Reader) ([]Member, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxStaticFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("membership: read static membership file: %w", err)
	}
	if len(data) > MaxStaticFileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrStaticFile, MaxStaticFileSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectMembersArray(dec, data); err != nil {
		return nil, err
	}
	var out []Member
	byIndex := map[uint64]int{} // index → member number
	byID := map[fr.Element]int{}
	next := uint64(0)
	for n := 1; dec.More(); n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%w: member %d: %s", ErrStaticFile, n, jsonMsg(err, data, 0))
		}
		start := dec.InputOffset() - int64(len(raw))
		where := func() string { return fmt.Sprintf("member %d (line %d)", n, lineOf(data, start)) }
		var sm StaticMember
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&sm); err != nil {
			return nil, fmt.Errorf("%w: %s: %s", ErrStaticFile, where(), jsonMsg(err, data, start))
		}
		if sm.IDCommitment == "" {
			return nil, fmt.Errorf("%w: %s: id_commitment is missing", ErrStaticFile, where())
		}
		id, err := ParseField(sm.IDCommitment)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: id_commitment: %w", ErrStaticFile, where(), err)
		}
		if id.IsZero() {
			return nil, fmt.Errorf("%w: %s: id_commitment is 0, which the contract refuses", ErrStaticFile, where())
		}
		if sm.UserMessageLimit == 0 {
			return nil, fmt.Errorf("%w: %s: user_message_limit is missing or 0; give the messages per epoch (nwaku's default is 20)", ErrStaticFile, where())
		}
		idx := next
		if sm.Index != nil {
			idx = *sm.Index
		}
		if idx >= rln.Capacity {
			return nil, fmt.Errorf("%w: %s: index %d is beyond the tree's %d leaves", ErrStaticFile, where(), idx, rln.Capacity)
		}
		if prev, dup := byIndex[idx]; dup {
			return nil, fmt.Errorf("%w: %s: index %d is already taken by member %d", ErrStaticFile, where(), idx, prev)
		}
		if prev, dup := byID[id]; dup {
			return nil, fmt.Errorf("%w: %s: id_commitment %s is already member %d", ErrStaticFile, where(), sm.IDCommitment, prev)
		}
		byIndex[idx], byID[id] = n, n
		next = idx + 1
		out = append(out, Member{Index: idx, RateCommitment: rln.RateCommitment(id, sm.UserMessageLimit)})
	}
	if _, err := dec.Token(); err != nil { // the closing ]
		return nil, fmt.Errorf("%w: %s", ErrStaticFile, jsonMsg(err, data, 0))
	}
	if _, err := dec.Token(); err != nil { // the closing }
		return nil, fmt.Errorf("%w: %s", ErrStaticFile, jsonMsg(err, data, 0))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: unexpected content after the members object (line %d); the file holds one JSON object", ErrStaticFile, lineOf(data, dec.InputOffset()))
	}
	return out, nil
}

// expectMembersArray reads `{"members": [` and leaves dec before the first
// member.
func expectMembersArray(dec *json.Decoder, data []byte) error {
	const want = `the file must be a JSON object {"members": [ … ]}`
	if t, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: %s; %s", ErrStaticFile, jsonMsg(err, data, 0), want)
	} else if t != json.Delim('{') {
		return fmt.Errorf("%w: %s", ErrStaticFile, want)
	}
	t, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%w: %s; %s", ErrStaticFile, jsonMsg(err, data, 0), want)
	}
	if t != "members" {
		return fmt.Errorf("%w: line %d: unexpected key %v; %s", ErrStaticFile, lineOf(data, dec.InputOffset()), t, want)
	}
	if t, err := dec.Token(); err != nil {
		return fmt.Errorf("%w: %s; %s", ErrStaticFile, jsonMsg(err, data, 0), want)
	} else if t != json.Delim('[') {
		return fmt.Errorf("%w: line %d: members is not an array; %s", ErrStaticFile, lineOf(data, dec.InputOffset()), want)
	}
	return nil
}

// jsonMsg describes a JSON decoding error with the line it points at; base
// is the offset of the decoded slice within data.
func jsonMsg(err error, data []byte, base int64) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("line %d: %s", lineOf(data, base+se.Offset), se.Error())
	case errors.As(err, &te):
		return fmt.Sprintf("line %d: %s has the wrong type (%s, want %s)", lineOf(data, base+te.Offset), te.Field, te.Value, te.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the file ends in the middle of the JSON"
	}
	return err.Error()
}

// lineOf returns the 1-based line of byte offset off in data.
func lineOf(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// LoadStaticFile parses the static membership file at path (see
// [ParseStatic]) and puts its members into g in one [Group.Apply] (one new
// root). It adds to what g holds already.
func LoadStaticFile(g *Group, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("membership: open static membership file: %w", err)
	}
	defer f.Close()
	members, err := ParseStatic(f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, err := g.Apply(members); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
