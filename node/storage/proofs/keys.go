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
	"time"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark/backend/groth16"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"

	"github.com/cairn-node/cairn/accel/decompress"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
	"github.com/cairn-node/cairn/node/storage/proofs/internal/accelprove"
)

// Key files start with a magic string whose last byte is the format
// version, then a big-endian uint64 length of the verifying key and the
// verifying key (gnark's compressed encoding). Version 1 follows with the
// proving key in gnark's compressed encoding. Version 2, which Setup
// writes, follows with the same encoding of the proving key without its
// five point slices (G1 A, B, Z, K and G2 B), then those slices in gnark
// Encoder's compressed form (a uint32 count, then the points): the same
// bytes in another order, which lets package accel/decompress decode the
// points, 95 % of the file, in bulk.
const (
	keysMagicPrefix = "cairn-storage-proof-keys\x00"
	keysMagicV1     = keysMagicPrefix + "\x01"
	keysMagicV2     = keysMagicPrefix + "\x02"
)

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
// creating dir if needed; an unreadable cached file is regenerated, and a
// file of the first format is rewritten in the current one. With dir
// non-empty the compiled circuit is cached there too, per executable. With
// dir empty nothing touches the disk. Generating takes 10 s for N = 5 and
// 3.5 min for N = 100 on 2 cores, loading 0.3 s and 5.5 s (see the package
// doc). ctx is checked between the steps only.
func Setup(ctx context.Context, dir string, p circuit.Params) (*Keys, error) {
	var k *Keys
	path := ""
	if dir == "" {
		ccs, digest, err := Compile(p)
		if err != nil {
			return nil, err
		}
		k = &Keys{params: p, digest: digest, ccs: ccs}
	} else {
		var version int
		var err error
		if k, version, err = openKeys(dir, p, nil); k == nil {
			return nil, err
		}
		path = filepath.Join(dir, KeyFileName(p, k.digest))
		if err == nil {
			k.fromCache = true
			if version < 2 {
				// Rewrite it in the current format, which loads faster;
				// the keys stay good should that fail.
				_ = k.save(dir, path)
			}
			return k, nil
		}
		if !errors.Is(err, os.ErrNotExist) && !errors.Is(err, ErrKeyFile) {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("proofs: setup %v: %w", p, err)
	}
	pk, vk, err := groth16.Setup(k.ccs)
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
	return LoadKeysWith(dir, p, nil)
}

// LoadKeysWith is LoadKeys with the key file's points decoded by d (nil:
// the router's choice, as LoadKeys), for benchmarks that compare the
// decompress backends.
func LoadKeysWith(dir string, p circuit.Params, d decompress.Decompressor) (*Keys, error) {
	k, _, err := openKeys(dir, p, d)
	if k == nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("proofs: keys for %v: %w", p, err)
	}
	k.fromCache = true
	return k, nil
}

// openKeys returns the compiled circuit p (from dir's cache or compiled)
// and, unless err says why not, its keys from dir's key file, read while
// the circuit compiles or loads and decoded with d (nil: the router's
// choice); version is the key file's format. A cached circuit that names
// no usable key file is distrusted: p is compiled and cached again, and
// the key file of that digest read. k is nil only where the circuit could
// not be compiled; with a non-nil error and a non-nil k, k holds the
// circuit and no keys.
func openKeys(dir string, p circuit.Params, d decompress.Decompressor) (k *Keys, version int, err error) {
	pre := prefetchKeys(dir, p, d)
	ccs, digest, cached, err := compileCached(dir, p)
	if err != nil {
		return nil, 0, err
	}
	k = &Keys{params: p, digest: digest, ccs: ccs}
	kf, err := pre.take(filepath.Join(dir, KeyFileName(p, digest)))
	if err != nil && cached {
		if k.ccs, k.digest, err = compileAndCache(dir, p); err != nil {
			return nil, 0, err
		}
		kf, err = readKeyFile(filepath.Join(dir, KeyFileName(p, k.digest)), d)
	}
	if err == nil {
		err = k.use(kf)
	}
	return k, kf.version, err
}

// keyFile is a key file's content, read without the circuit.
type keyFile struct {
	version int
	pk      *groth16bn254.ProvingKey
	vk      *VerifyingKey
}

// prefetch is a key file being read while the circuit compiles.
type prefetch struct {
	path string
	d    decompress.Decompressor
	done chan struct{}
	kf   keyFile
	err  error
}

// prefetchKeys starts reading, in the background, the key file of p in dir
// that Setup will most likely look for: the newest file named for p (the
// name's digest is only known once the circuit is compiled, which takes
// about as long as reading a key for 100 samples). It returns nil when
// there is none. d decodes the points (nil: the router's choice).
func prefetchKeys(dir string, p circuit.Params, d decompress.Decompressor) *prefetch {
	if dir == "" {
		return nil
	}
	names, _ := filepath.Glob(filepath.Join(dir, KeyFileName(p, "*")))
	var newest string
	var newestTime time.Time
	for _, n := range names {
		if fi, err := os.Stat(n); err == nil && fi.Mode().IsRegular() && (newest == "" || fi.ModTime().After(newestTime)) {
			newest, newestTime = n, fi.ModTime()
		}
	}
	if newest == "" {
		return nil
	}
	pf := &prefetch{path: newest, d: d, done: make(chan struct{})}
	go func() {
		defer close(pf.done)
		pf.kf, pf.err = readKeyFile(newest, d)
	}()
	return pf
}

// take returns the content of the key file at path: the prefetch's if it
// read that file, else a fresh read (after the prefetch of another file
// has finished, so that two keys are never decoded at once).
func (pf *prefetch) take(path string) (keyFile, error) {
	if pf == nil {
		return readKeyFile(path, nil)
	}
	<-pf.done
	if pf.path == path {
		return pf.kf, pf.err
	}
	return readKeyFile(path, pf.d)
}

// use checks that kf holds keys for k's circuit and makes them k's.
func (k *Keys) use(kf keyFile) error {
	if want := k.ccs.GetNbConstraints(); kf.pk.Domain.Cardinality < uint64(want) {
		return fmt.Errorf("%w: key domain %d below %d constraints", ErrKeyFile, kf.pk.Domain.Cardinality, want)
	}
	accelprove.Prepare(kf.pk) // a transient copy of the K, B and Z points
	k.pk, k.vk = kf.pk, kf.vk
	return nil
}

// readKeyFile reads and checks the key file at path (format version 1 or
// 2), without the circuit; d decodes the points (nil: the router's
// choice).
func readKeyFile(path string, d decompress.Decompressor) (keyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return keyFile{}, fmt.Errorf("proofs: open keys: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return keyFile{}, fmt.Errorf("proofs: keys: %w", err)
	}
	kf, err := decodeKeys(bufio.NewReaderSize(f, 1<<20), fi.Size(), d)
	if err != nil {
		return keyFile{}, fmt.Errorf("%w: %s: %w", ErrKeyFile, path, err)
	}
	return kf, nil
}

// decodeKeys decodes a key file's content of size bytes, the points with
// d (nil: the router's choice). Its errors are wrapped in ErrKeyFile by
// the caller.
func decodeKeys(r io.Reader, size int64, d decompress.Decompressor) (keyFile, error) {
	head := make([]byte, len(keysMagicV1)+8)
	if _, err := io.ReadFull(r, head); err != nil {
		return keyFile{}, errors.New("no key file header")
	}
	var kf keyFile
	switch string(head[:len(keysMagicV1)]) {
	case keysMagicV1:
		kf.version = 1
	case keysMagicV2:
		kf.version = 2
	default:
		return keyFile{}, errors.New("no key file header (or a format newer than this build reads)")
	}
	vkLen := binary.BigEndian.Uint64(head[len(keysMagicV1):])
	if vkLen > maxVerifyingKeySize {
		return keyFile{}, fmt.Errorf("verifying key of %d bytes", vkLen)
	}
	vkBytes := make([]byte, vkLen)
	if _, err := io.ReadFull(r, vkBytes); err != nil {
		return keyFile{}, fmt.Errorf("verifying key: %w", err)
	}
	vk, err := ReadVerifyingKey(bytes.NewReader(vkBytes))
	if err != nil {
		return keyFile{}, err
	}
	pk := new(groth16bn254.ProvingKey)
	// Our own file: skip the slow subgroup checks; a corrupt key can only
	// produce proofs that fail verification.
	if _, err := pk.UnsafeReadFrom(r); err != nil {
		return keyFile{}, fmt.Errorf("proving key: %w", err)
	}
	if kf.version == 2 {
		if err := readPoints(r, pk, size, d); err != nil {
			return keyFile{}, err
		}
	}
	if !pk.G1.Alpha.Equal(&vk.vk.G1.Alpha) || !pk.G1.Delta.Equal(&vk.vk.G1.Delta) || !pk.G2.Delta.Equal(&vk.vk.G2.Delta) {
		return keyFile{}, errors.New("proving and verifying keys do not match")
	}
	nbWires := len(pk.InfinityA)
	if len(pk.InfinityB) != nbWires || len(pk.G1.A) != nbWires-int(pk.NbInfinityA) || len(pk.G1.B) != nbWires-int(pk.NbInfinityB) ||
		len(pk.G2.B) != len(pk.G1.B) || uint64(len(pk.G1.Z))+1 != pk.Domain.Cardinality {
		return keyFile{}, fmt.Errorf("proving key's point counts do not fit its %d wires (A %d, B %d and %d, Z %d)",
			nbWires, len(pk.G1.A), len(pk.G1.B), len(pk.G2.B), len(pk.G1.Z))
	}
	kf.pk, kf.vk = pk, vk
	return kf, nil
}

// readPoints reads a version 2 file's five point slices into pk with d
// (nil: the router's choice); the file has size bytes, which bounds the
// counts it can hold.
func readPoints(r io.Reader, pk *groth16bn254.ProvingKey, size int64, d decompress.Decompressor) error {
	var err error
	if d == nil {
		if d, err = decompress.ForSize(1 << 20); err != nil {
			return err
		}
	}
	for _, s := range []struct {
		name string
		g1   *[]bn254.G1Affine
	}{{"A", &pk.G1.A}, {"B", &pk.G1.B}, {"Z", &pk.G1.Z}, {"K", &pk.G1.K}} {
		if *s.g1, err = decompress.ReadG1(r, d, int(size/decompress.G1Size)); err != nil {
			return fmt.Errorf("proving key's G1 %s: %w", s.name, err)
		}
	}
	if pk.G2.B, err = decompress.ReadG2(r, d, int(size/decompress.G2Size)); err != nil {
		return fmt.Errorf("proving key's G2 B: %w", err)
	}
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
		head := make([]byte, len(keysMagicV2)+8)
		copy(head, keysMagicV2)
		binary.BigEndian.PutUint64(head[len(keysMagicV2):], uint64(vkBuf.Len()))
		if _, err := w.Write(head); err != nil {
			return err
		}
		if _, err := w.Write(vkBuf.Bytes()); err != nil {
			return err
		}
		rest := *k.pk
		rest.G1.A, rest.G1.B, rest.G1.Z, rest.G1.K, rest.G2.B = nil, nil, nil, nil, nil
		if _, err := rest.WriteTo(w); err != nil {
			return err
		}
		enc := bn254.NewEncoder(w)
		for _, v := range []any{k.pk.G1.A, k.pk.G1.B, k.pk.G1.Z, k.pk.G1.K, k.pk.G2.B} {
			if err := enc.Encode(v); err != nil {
				return err
			}
		}
		return nil
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
