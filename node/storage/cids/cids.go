// Package cids builds and checks the content identifiers of Logos Storage
// (and nim-codex): CIDv1 with the storage multicodecs and sha2-256
// multihashes, printed in base58btc (the "z" multibase prefix).
//
//	c := cids.Block(data)         // zDx…  block CID
//	t := cids.Tree(root)          // zDzSvJT… dataset tree CID
//	m := cids.Manifest(encoded)   // zDvZRwzm… manifest CID
//	s := cids.String(c)
//	c, err := cids.Parse(s, cids.CodecBlock)
package cids

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"
)

// The multicodecs of Logos Storage (codex-* in nim-codex, storage-* after
// the 2026 rename; same numbers).
const (
	CodecManifest uint64 = 0xCD01 // manifest block
	CodecBlock    uint64 = 0xCD02 // data block
	CodecTree     uint64 = 0xCD03 // dataset SHA-256 Merkle root
	CodecSlotRoot uint64 = 0xCD04 // proof slot root (nim-codex only)
	CodecVerify   uint64 = 0xCD05 // proof dataset root (nim-codex only)
	CodecSlotCell uint64 = 0xCD06 // proof cell (nim-codex only)
	// HashSHA256 is the multihash code of sha2-256, the only hash of block,
	// tree and manifest CIDs.
	HashSHA256 uint64 = mh.SHA2_256
)

// ErrInvalid is wrapped by Parse and Check errors: the text or bytes are not
// a CIDv1 with the expected codec and a sha2-256 multihash.
var ErrInvalid = errors.New("cids: invalid CID")

// FromDigest returns CIDv1(codec, sha2-256 multihash of a 32-byte digest).
func FromDigest(codec uint64, digest [32]byte) cid.Cid {
	m, err := mh.Encode(digest[:], mh.SHA2_256)
	if err != nil {
		panic("BUG: sha2-256 multihash of 32 bytes: " + err.Error())
	}
	return cid.NewCidV1(codec, m)
}

// Block returns the CID of a data block: CIDv1(0xCD02, sha256(data)).
func Block(data []byte) cid.Cid { return FromDigest(CodecBlock, sha256.Sum256(data)) }

// Tree returns the CID of a dataset tree root: CIDv1(0xCD03, root as a
// sha2-256 multihash).
func Tree(root [32]byte) cid.Cid { return FromDigest(CodecTree, root) }

// Manifest returns the CID of an encoded manifest: CIDv1(0xCD01,
// sha256(encoded)).
func Manifest(encoded []byte) cid.Cid { return FromDigest(CodecManifest, sha256.Sum256(encoded)) }

// EmptyBlock is the CID Logos Storage gives the padding blocks of an
// erasure-coded dataset: the sha256 of the empty string, although the
// encoder reads the padding as blockSize zero bytes.
var EmptyBlock = Block(nil)

// String returns c in base58btc, the text form Logos Storage prints.
func String(c cid.Cid) string {
	s, err := c.StringOfBase(multibase.Base58BTC)
	if err != nil {
		return c.String()
	}
	return s
}

// Digest returns the 32-byte sha2-256 digest inside c, or an error wrapping
// ErrInvalid when c has another hash.
func Digest(c cid.Cid) ([32]byte, error) {
	var d [32]byte
	dm, err := mh.Decode(c.Hash())
	if err != nil {
		return d, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if dm.Code != mh.SHA2_256 || len(dm.Digest) != 32 {
		return d, fmt.Errorf("%w: hash %s, want sha2-256", ErrInvalid, mh.Codes[dm.Code])
	}
	copy(d[:], dm.Digest)
	return d, nil
}

// Check returns nil when c is a CIDv1 with one of the codecs and a sha2-256
// multihash; otherwise an error wrapping ErrInvalid that says which part is
// wrong. With no codecs any codec is accepted.
func Check(c cid.Cid, codecs ...uint64) error {
	if !c.Defined() {
		return fmt.Errorf("%w: empty", ErrInvalid)
	}
	if c.Version() != 1 {
		return fmt.Errorf("%w: CIDv%d, want CIDv1", ErrInvalid, c.Version())
	}
	if _, err := Digest(c); err != nil {
		return err
	}
	if len(codecs) == 0 {
		return nil
	}
	for _, k := range codecs {
		if c.Type() == k {
			return nil
		}
	}
	return fmt.Errorf("%w: codec 0x%x, want %s", ErrInvalid, c.Type(), codecNames(codecs))
}

func codecNames(codecs []uint64) string {
	s := ""
	for i, k := range codecs {
		if i > 0 {
			s += " or "
		}
		s += fmt.Sprintf("0x%X", k)
	}
	return s
}

// Parse parses a CID in any multibase and checks it as Check does.
func Parse(s string, codecs ...uint64) (cid.Cid, error) {
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %q: %w", ErrInvalid, s, err)
	}
	if err := Check(c, codecs...); err != nil {
		return cid.Undef, fmt.Errorf("%q: %w", s, err)
	}
	return c, nil
}

// Cast parses a binary CID, as manifests and wire messages carry them, and
// checks it as Check does.
func Cast(b []byte, codecs ...uint64) (cid.Cid, error) {
	c, err := cid.Cast(b)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := Check(c, codecs...); err != nil {
		return cid.Undef, err
	}
	return c, nil
}
