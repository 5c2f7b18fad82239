package manifest

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairn-node/cairn/node/storage/cids"
)

// Validate checks m against the rules of the format and returns nil or an
// error wrapping ErrInvalid for each broken rule (joined with errors.Join):
//   - tree CID is CIDv1(0xCD03, sha2-256); codec 0xCD02, hcodec sha2-256,
//     CID version 1;
//   - BlockSize is a power of two in [MinBlockSize, MaxBlockSize] (this
//     includes DefaultBlockSize); DatasetSize > 0;
//   - Filename: at most MaxFilenameLen bytes of UTF-8 without '/' or
//     control characters; Mimetype: at most MaxMimetypeLen bytes of the
//     form type/subtype. (The '/' rules also keep Decode's layout
//     detection unambiguous, see doc.go.)
//   - protected: 1 ≤ M ≤ K, K+M ≤ 65536 (Leopard-RS), K ≤ original blocks,
//     BlocksCount = Steps × (K+M) (upstream's verify), DatasetSize =
//     BlockSize × BlocksCount, original tree CID 0xCD03;
//   - verifiable: K+M slot roots CIDv1(0xCD04, identity, 32 bytes), verify
//     root CIDv1(0xCD05, identity, 32 bytes), CellSize a power of two
//     dividing BlockSize.
//
// Encode and Decode do not call Validate: they accept any manifest they can
// represent faithfully, so that upstream manifests that bend a policy rule
// still round-trip. Nodes should Validate what they fetch or build.
func (m *Manifest) Validate() error {
	if err := m.checkStructure(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
	}
	if m.Codec != cids.CodecBlock {
		bad("codec 0x%x, want 0x%x", m.Codec, cids.CodecBlock)
	}
	if m.HCodec != cids.HashSHA256 {
		bad("hcodec 0x%x, want 0x%x (sha2-256)", m.HCodec, cids.HashSHA256)
	}
	if m.BlockSize < MinBlockSize || m.BlockSize > MaxBlockSize || !isPow2(uint64(m.BlockSize)) {
		bad("block size %d is not a power of two in [%d, %d]", m.BlockSize, MinBlockSize, MaxBlockSize)
	}
	if m.DatasetSize == 0 {
		bad("empty dataset")
	}
	if err := checkFilename(m.Filename); err != nil {
		bad("filename %q: %w", m.Filename, err)
	}
	if err := checkMimetype(m.Mimetype); err != nil {
		bad("mimetype %q: %w", m.Mimetype, err)
	}
	if e := m.Erasure; e != nil {
		for _, err := range m.validateErasure() {
			bad("erasure info: %w", err)
		}
		if v := e.Verification; v != nil {
			for _, err := range validateVerification(v, e, m.BlockSize) {
				bad("verification info: %w", err)
			}
		}
	}
	return errors.Join(errs...)
}

// validateErasure checks the §6 geometry: rounded = roundUp(B, K),
// steps = rounded / K, blocksCount = rounded + steps × M.
func (m *Manifest) validateErasure() []error {
	e := m.Erasure
	var errs []error
	k, mm := uint64(e.K), uint64(e.M)
	if mm == 0 || mm > k {
		errs = append(errs, fmt.Errorf("M=%d, want 1 ≤ M ≤ K=%d", e.M, e.K))
	}
	if e.OriginalDatasetSize == 0 {
		errs = append(errs, errors.New("empty original dataset"))
	}
	if ob := m.OriginalBlocksCount(); k > ob {
		errs = append(errs, fmt.Errorf("K=%d exceeds the %d original blocks", e.K, ob))
	}
	hi, want := bits.Mul64(m.Steps(), k+mm)
	if got := m.BlocksCount(); hi != 0 || got != want {
		errs = append(errs, fmt.Errorf("%d blocks, want steps %d × (K+M) %d", got, m.Steps(), k+mm))
	}
	if hi, size := bits.Mul64(m.BlocksCount(), uint64(m.BlockSize)); hi != 0 || size != m.DatasetSize {
		errs = append(errs, fmt.Errorf("dataset size %d is not block size × %d blocks", m.DatasetSize, m.BlocksCount()))
	}
	return errs
}

func validateVerification(v *VerificationInfo, e *ErasureInfo, blockSize uint32) []error {
	var errs []error
	if n := uint64(e.K) + uint64(e.M); uint64(len(v.SlotRoots)) != n {
		errs = append(errs, fmt.Errorf("%d slot roots, want K+M = %d", len(v.SlotRoots), n))
	}
	if err := checkProofCID(v.VerifyRoot, cids.CodecVerify); err != nil {
		errs = append(errs, fmt.Errorf("verify root: %w", err))
	}
	for i, c := range v.SlotRoots {
		if err := checkProofCID(c, cids.CodecSlotRoot); err != nil {
			errs = append(errs, fmt.Errorf("slot root %d: %w", i, err))
		}
	}
	if v.CellSize == 0 || !isPow2(uint64(v.CellSize)) || v.CellSize > blockSize {
		errs = append(errs, fmt.Errorf("cell size %d is not a power of two ≤ block size %d", v.CellSize, blockSize))
	}
	return errs
}

// checkProofCID accepts CIDv1(codec, identity multihash of 32 bytes), the
// form nim-codex gives Poseidon2 slot and verify roots.
func checkProofCID(c cid.Cid, codec uint64) error {
	if c.Type() != codec {
		return fmt.Errorf("codec 0x%x, want 0x%x", c.Type(), codec)
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return err
	}
	if d.Code != mh.IDENTITY || len(d.Digest) != 32 {
		return fmt.Errorf("multihash 0x%x of %d bytes, want identity of 32", d.Code, len(d.Digest))
	}
	return nil
}

func checkFilename(s string) error {
	switch {
	case s == "":
		return nil
	case len(s) > MaxFilenameLen:
		return fmt.Errorf("%d bytes, want at most %d", len(s), MaxFilenameLen)
	case !utf8.ValidString(s):
		return errors.New("not UTF-8")
	case strings.ContainsRune(s, '/'):
		return errors.New("contains '/'")
	case hasControl(s):
		return errors.New("contains a control character")
	}
	return nil
}

func checkMimetype(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxMimetypeLen {
		return fmt.Errorf("%d bytes, want at most %d", len(s), MaxMimetypeLen)
	}
	typ, sub, ok := strings.Cut(s, "/")
	if !ok || typ == "" || sub == "" || strings.ContainsAny(s, " \t;") || hasControl(s) || !utf8.ValidString(s) {
		return errors.New("want type/subtype")
	}
	return nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}

func isPow2(x uint64) bool { return x != 0 && x&(x-1) == 0 }
