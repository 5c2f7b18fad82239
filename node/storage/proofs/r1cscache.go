package proofs

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/constraint"

	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// The compiled circuit is cached next to the keys, per executable: the
// compiler's output depends only on the circuit's code, which only a new
// executable can change, so a file named for the SHA-256 of the running
// executable holds this executable's compiled circuit. Compiling for
// N = 100 takes about 10 s on two cores; reading the 200 MB of R1CS back,
// half a second. The file's content is exactly the serialization whose
// SHA-256 names the keys, so reading it yields the digest too, and a
// damaged file names no key file: Setup and LoadKeys then compile after
// all (see compileCached).

// executableID returns the hex SHA-256 (16 digits) of the running
// executable, or "" where it cannot be read.
var executableID = sync.OnceValue(func() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
})

// circuitFileName returns the name of the cached compiled circuit p of
// the executable with the given ID.
func circuitFileName(p circuit.Params, exe string) string {
	return fmt.Sprintf("sampleandprove-%v-exe-%s.r1cs", p, exe)
}

// compileCached returns the compiled circuit p and its digest, from dir's
// cache when this executable wrote one (cached is then true), else from
// compileAndCache.
func compileCached(dir string, p circuit.Params) (ccs constraint.ConstraintSystem, digest string, cached bool, err error) {
	if exe := executableID(); dir != "" && exe != "" {
		if ccs, digest, err := readCircuit(filepath.Join(dir, circuitFileName(p, exe))); err == nil {
			return ccs, digest, true, nil
		}
	}
	ccs, digest, err = compileAndCache(dir, p)
	return ccs, digest, false, err
}

// compileAndCache compiles p and writes the result to dir's cache (best
// effort: a cache that cannot be written only costs the next start its
// compile), removing other executables' cached circuits for p.
func compileAndCache(dir string, p circuit.Params) (constraint.ConstraintSystem, string, error) {
	ccs, digest, err := Compile(p)
	if err != nil {
		return nil, "", err
	}
	exe := executableID()
	if dir == "" || exe == "" || os.MkdirAll(dir, 0o755) != nil {
		return ccs, digest, nil
	}
	path := filepath.Join(dir, circuitFileName(p, exe))
	if writeAtomic(path, func(w io.Writer) error { _, err := ccs.WriteTo(w); return err }) == nil {
		old, _ := filepath.Glob(filepath.Join(dir, circuitFileName(p, "*")))
		for _, o := range old {
			if o != path {
				os.Remove(o)
			}
		}
	}
	return ccs, digest, nil
}

// readCircuit reads a cached compiled circuit and hashes its bytes.
func readCircuit(path string) (constraint.ConstraintSystem, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	h := sha256.New()
	r := io.TeeReader(bufio.NewReaderSize(f, 1<<20), h)
	ccs := groth16.NewCS(ecc.BN254)
	if _, err := ccs.ReadFrom(r); err != nil {
		return nil, "", fmt.Errorf("proofs: cached circuit %s: %w", path, err)
	}
	if n, err := io.Copy(io.Discard, r); err != nil || n != 0 {
		return nil, "", fmt.Errorf("proofs: cached circuit %s: %d bytes after the circuit (%v)", path, n, err)
	}
	return ccs, hex.EncodeToString(h.Sum(nil)), nil
}
