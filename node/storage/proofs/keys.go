package proofs

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/accelprove"
)

// keysMagic starts a key file: format version 1 = magic, uint64 length of
// the verifying key, the verifying key, then the proving key (gnark's
// compressed encodings).
const keysMagic = "cairn-storage-proof-keys\x00\x01"

// ErrKeyFile is returned when a key file is unreadable as keys of the
// circuit; Setup then regenerates it.
var ErrKeyFile = errors.New("proofs: bad key file")

// Keys are the compiled circuit and its Groth16 keys for one Params. They
// are immutable and safe for concurrent use.
type Keys struct {
	params    circuit.Params
	digest    string
	fromCache bool
	ccs       constraint.ConstraintSystem
	pk        *groth16bn254.ProvingKey
	vk        *VerifyingKey
}

// Params returns the circuit parameters.
func (k *Keys) Params() circuit.Params { return k.params }

// Digest returns the hex SHA-256 of the compiled R1CS, which names the key file.
func (k *Keys) Digest() string { return k.digest }

// FromCache reports whether Setup loaded the keys from disk.
func (k *Keys) FromCache() bool { return k.fromCache }

// NbConstraints returns the number of R1CS constraints.
func (k *Keys) NbConstraints() int { return k.ccs.GetNbConstraints() }

// VerifyingKey returns the verifying key.
func (k *Keys) VerifyingKey() *VerifyingKey { return k.vk }

// Compile compiles SampleAndProve for p to R1CS and returns it with the hex
// SHA-256 of its serialization.
func Compile(p circuit.Params) (constraint.ConstraintSystem, string, error) {
	c, err := circuit.New(p)
	if err != nil {
		return nil, "", err
	}
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c)
	if err != nil {
		return nil, "", fmt.Errorf("proofs: compile %v: %w", p, err)
	}
	h := sha256.New()
	if _, err := ccs.WriteTo(h); err != nil {
		return nil, "", fmt.Errorf("proofs: hash r1cs %v: %w", p, err)
	}
	return ccs, hex.EncodeToString(h.Sum(nil)), nil
}

// KeyFileName returns the cache file name for the circuit p with R1CS digest.
func KeyFileName(p circuit.Params, digest string) string {
	if len(digest) > 16 {
		digest = digest[:16]
	}
	return fmt.Sprintf("sampleandprove-%v-%s.keys", p, digest)
}

// Setup returns the keys of SampleAndProve for p. With dir non-empty it
// first looks for dir/KeyFileName(p, digest) and otherwise generates the
// keys and writes that file atomically (temporary file, fsync, rename),
// creating dir if needed; an unreadable cached file is regenerated. With
// dir empty nothing touches the disk. Generating takes 10 s for N = 5 and
// 3.5 min for N = 100 on 2 cores (see the package doc). ctx is checked between the steps only.
func Setup(ctx context.Context, dir string, p circuit.Params) (*Keys, error) {
	ccs, digest, err := Compile(p)
	if err != nil {
		return nil, err
	}
	k := &Keys{params: p, digest: digest, ccs: ccs}
	path := ""
	if dir != "" {
		path = filepath.Join(dir, KeyFileName(p, digest))
		if err := k.load(path); err == nil {
			k.fromCache = true
			return k, nil
		} else if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, ErrKeyFile) {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("proofs: setup %v: %w", p, err)
	}
	pk, vk, err := groth16.Setup(ccs)
	if err != nil {
		return nil, fmt.Errorf("proofs: groth16 setup %v: %w", p, err)
	}
	k.pk = pk.(*groth16bn254.ProvingKey)
	accelprove.Prepare(k.pk)
	k.vk = newVerifyingKey(vk.(*groth16bn254.VerifyingKey))
	if path == "" {
		return k, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("proofs: setup %v: %w", p, err)
	}
	if err := k.save(dir, path); err != nil {
		return nil, err
	}
	return k, nil
}

// LoadKeys returns the keys of SampleAndProve for p from dir, as Setup
// would, but never generates them: a missing file is an error wrapping
// os.ErrNotExist that names it, and an unreadable one wraps ErrKeyFile. It
// is for machines that must prove under another machine's keys (a prover
// farm's workers), where fresh keys would be useless.
func LoadKeys(dir string, p circuit.Params) (*Keys, error) {
	ccs, digest, err := Compile(p)
	if err != nil {
		return nil, err
	}
	k := &Keys{params: p, digest: digest, ccs: ccs, fromCache: true}
	path := filepath.Join(dir, KeyFileName(p, digest))
	if err := k.load(path); err != nil {
		return nil, fmt.Errorf("proofs: keys for %v: %w", p, err)
	}
	return k, nil
}

// load reads the key file at path.
func (k *Keys) load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("proofs: open keys: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	head := make([]byte, len(keysMagic)+8)
	if _, err := io.ReadFull(r, head); err != nil || string(head[:len(keysMagic)]) != keysMagic {
		return fmt.Errorf("%w: %s: no key file header", ErrKeyFile, path)
	}
	vkLen := binary.BigEndian.Uint64(head[len(keysMagic):])
	if vkLen > maxVerifyingKeySize {
		return fmt.Errorf("%w: %s: verifying key of %d bytes", ErrKeyFile, path, vkLen)
	}
	vkBytes := make([]byte, vkLen)
	if _, err := io.ReadFull(r, vkBytes); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrKeyFile, path, err)
	}
	vk, err := ReadVerifyingKey(bytes.NewReader(vkBytes))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrKeyFile, path, err)
	}
	pk := new(groth16bn254.ProvingKey)
	// Our own file: skip the slow subgroup checks; a corrupt key can only
	// produce proofs that fail verification.
	if _, err := pk.UnsafeReadFrom(r); err != nil {
		return fmt.Errorf("%w: %s: proving key: %w", ErrKeyFile, path, err)
	}
	if !pk.G1.Alpha.Equal(&vk.vk.G1.Alpha) || !pk.G1.Delta.Equal(&vk.vk.G1.Delta) || !pk.G2.Delta.Equal(&vk.vk.G2.Delta) {
		return fmt.Errorf("%w: %s: proving and verifying keys do not match", ErrKeyFile, path)
	}
	if want := k.ccs.GetNbConstraints(); pk.Domain.Cardinality < uint64(want) {
		return fmt.Errorf("%w: %s: key domain %d below %d constraints", ErrKeyFile, path, pk.Domain.Cardinality, want)
	}
	accelprove.Prepare(pk) // a transient copy of the K, B and Z points
	k.pk, k.vk = pk, vk
	return nil
}

// save writes the key file atomically.
func (k *Keys) save(dir, path string) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("proofs: create key dir: %w", err)
	}
	var vkBuf bytes.Buffer
	if _, err := k.vk.vk.WriteTo(&vkBuf); err != nil {
		return fmt.Errorf("proofs: encode verifying key: %w", err)
	}
	return writeAtomic(path, func(w io.Writer) error {
		head := make([]byte, len(keysMagic)+8)
		copy(head, keysMagic)
		binary.BigEndian.PutUint64(head[len(keysMagic):], uint64(vkBuf.Len()))
		if _, err := w.Write(head); err != nil {
			return err
		}
		if _, err := w.Write(vkBuf.Bytes()); err != nil {
			return err
		}
		_, err := k.pk.WriteTo(w)
		return err
	})
}

// writeAtomic writes path through a temporary file in the same directory,
// fsyncs it and renames it over path.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("proofs: write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("proofs: write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("proofs: write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("proofs: sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("proofs: close %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("proofs: rename to %s: %w", path, err)
	}
	return nil
}
