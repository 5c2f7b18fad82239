package update

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Names of the parts of a bundle; they are also the file names in a slot.
const (
	PartKernel = "vmlinuz"
	PartInitrd = "initrd"
)

// Limits of the bundle decoder: it never allocates more than these for
// input it has not verified.
const (
	// MaxManifestSize bounds the signed manifest.
	MaxManifestSize = 64 << 10
	// MaxPartSize bounds each part (a kernel, an initramfs).
	MaxPartSize = 256 << 20
)

// magic starts every bundle: format name and version.
var magic = [8]byte{'C', 'A', 'I', 'R', 'N', 'U', 'P', 1}

// signContext is prepended to the manifest before signing, so that a
// signature over a bundle manifest means nothing in any other protocol
// that uses the same key.
const signContext = "cairn update bundle v1\x00"

// Sentinel errors of Decode and Apply; test them with errors.Is.
var (
	// ErrSignature: the bundle is not signed by the key the node trusts.
	ErrSignature = errors.New("update: bad signature: the bundle was not signed with this node's update key; sign it with the key whose public half was built into the image ('cairn image build --update-key KEY')")
	// ErrCorrupt: the bundle is truncated or altered after signing.
	ErrCorrupt = errors.New("update: corrupt bundle: download or copy it again")
	// ErrBoard: the bundle was built for another board.
	ErrBoard = errors.New("update: wrong board")
	// ErrNoSpace: the ESP has no room for the new slot.
	ErrNoSpace = errors.New("update: the EFI system partition is full")
)

// Manifest is the signed description of a bundle.
type Manifest struct {
	// Board is the board name the kernel and initramfs are for.
	Board string `json:"board"`
	// Release names the build for people ("2026.11.25", a git describe).
	Release string `json:"release"`
	// Parts are the files, in the order their bytes follow the signature.
	Parts []Part `json:"parts"`
}

// Part is one file of a bundle.
type Part struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Bundle is a decoded, verified update.
type Bundle struct {
	Manifest Manifest
	// Files holds each part's contents by name. Decode fills it; the
	// caller owns it.
	Files map[string][]byte
}

// Pack writes a bundle of files (PartKernel and PartInitrd) for board,
// signed with key. The layout, all integers big endian:
//
//	8 bytes   magic "CAIRNUP\x01"
//	4 bytes   manifest length n (at most MaxManifestSize)
//	n bytes   manifest, JSON
//	64 bytes  ed25519 signature of "cairn update bundle v1\x00" + manifest
//	…         the parts' bytes, in manifest order
func Pack(w io.Writer, key ed25519.PrivateKey, board, release string, files map[string][]byte) error {
	m := Manifest{Board: board, Release: release}
	for _, name := range []string{PartKernel, PartInitrd} {
		data, ok := files[name]
		if !ok {
			return fmt.Errorf("update: pack: no %s given", name)
		}
		sum := sha256.Sum256(data)
		m.Parts = append(m.Parts, Part{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	js, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("update: pack: %w", err)
	}
	if len(js) > MaxManifestSize {
		return fmt.Errorf("update: pack: manifest of %d bytes is over %d", len(js), MaxManifestSize)
	}
	var hdr bytes.Buffer
	hdr.Write(magic[:])
	binary.Write(&hdr, binary.BigEndian, uint32(len(js)))
	hdr.Write(js)
	hdr.Write(ed25519.Sign(key, append([]byte(signContext), js...)))
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return fmt.Errorf("update: pack: %w", err)
	}
	for _, p := range m.Parts {
		if _, err := w.Write(files[p.Name]); err != nil {
			return fmt.Errorf("update: pack: %w", err)
		}
	}
	return nil
}

// Decode reads a bundle from r and checks, in this order, its signature
// against pub (before reading any part), the board (when board is not
// empty), and every part's size and SHA-256. It returns ErrSignature,
// ErrBoard or ErrCorrupt (wrapped, with details) on failure, and reads
// nothing past the last part.
func Decode(r io.Reader, pub ed25519.PublicKey, board string) (*Bundle, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("update: public key of %d bytes, want %d; pass the .pub file 'cairn update keygen' wrote", len(pub), ed25519.PublicKeySize)
	}
	var head [12]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrCorrupt, err)
	}
	if !bytes.Equal(head[:8], magic[:]) {
		return nil, fmt.Errorf("%w: not a Cairn update bundle (make one with 'cairn image build --update-key')", ErrCorrupt)
	}
	n := binary.BigEndian.Uint32(head[8:])
	if n > MaxManifestSize {
		return nil, fmt.Errorf("%w: manifest of %d bytes is over %d", ErrCorrupt, n, MaxManifestSize)
	}
	buf := make([]byte, int(n)+ed25519.SignatureSize)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("%w: manifest: %w", ErrCorrupt, err)
	}
	js, sig := buf[:n], buf[n:]
	if !ed25519.Verify(pub, append([]byte(signContext), js...), sig) {
		return nil, ErrSignature
	}
	// Signed by a trusted key from here on, but still checked: a
	// builder bug must not become a panic or a huge allocation.
	var m Manifest
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %w", ErrCorrupt, err)
	}
	if board != "" && m.Board != board {
		return nil, fmt.Errorf("%w: the bundle is for %q, this node is %q; build the update with --board %s", ErrBoard, m.Board, board, board)
	}
	b := &Bundle{Manifest: m, Files: map[string][]byte{}}
	for _, p := range m.Parts {
		if p.Size < 0 || p.Size > MaxPartSize {
			return nil, fmt.Errorf("%w: part %q of %d bytes", ErrCorrupt, p.Name, p.Size)
		}
		if _, dup := b.Files[p.Name]; dup {
			return nil, fmt.Errorf("%w: part %q twice", ErrCorrupt, p.Name)
		}
		data := make([]byte, p.Size)
		if _, err := io.ReadFull(r, data); err != nil {
			return nil, fmt.Errorf("%w: part %q: %w", ErrCorrupt, p.Name, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != p.SHA256 {
			return nil, fmt.Errorf("%w: part %q does not match its SHA-256", ErrCorrupt, p.Name)
		}
		b.Files[p.Name] = data
	}
	for _, name := range []string{PartKernel, PartInitrd} {
		if len(b.Files[name]) == 0 {
			return nil, fmt.Errorf("%w: no %s in the bundle", ErrCorrupt, name)
		}
	}
	return b, nil
}
