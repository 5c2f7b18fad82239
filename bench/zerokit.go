package bench

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/witness"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

// zerokitDir is the Node.js project, relative to the repository root, that
// holds zerokit.mjs and its npm packages (@waku/zerokit-rln-wasm 0.2.1).
const zerokitDir = "node/waku/interop/js"

// zerokitZKey is the proving key, relative to the repository root, that
// both provers use.
const zerokitZKey = "node/relay/rln/circuit/rln_final.zkey"

// zerokitTimeout bounds one request to the zerokit process, the start
// (parsing the proving key in wasm) included.
const zerokitTimeout = 2 * time.Minute

// zerokitProvePeer is rln-prove's peer: zerokit's Groth16 prover compiled
// to wasm (the one js-waku runs), proving the same message as the go row
// from the same witness, in one long-lived `node zerokit.mjs --serve`
// process. The witness is computed once by Cairn and loaded before timing,
// so the peer's figure is the prover alone plus one pipe round trip (well
// under a millisecond); the go row computes its witness in every call
// (about 1% of a proof). Skipped, with the reason, when node or the npm
// packages are missing.
func zerokitProvePeer() (func() error, float64, error) {
	z, err := startZerokit()
	if err != nil {
		return nil, 0, err
	}
	atCaseEnd(z.close)
	m, err := member()
	if err != nil {
		return nil, 0, err
	}
	in := m.input(0, rlnrelay.Signal(benchMessage(0)))
	load, err := zerokitLoadRequest(in)
	if err != nil {
		return nil, 0, err
	}
	if _, err := z.call(load); err != nil {
		return nil, 0, err
	}
	// One checked proof first: the peer must do the work the go row does.
	out, err := z.call(map[string]any{"op": "prove"})
	if err != nil {
		return nil, 0, err
	}
	if err := checkZerokitProof(out.ProofHex); err != nil {
		return nil, 0, err
	}
	return func() error {
		out, err := z.call(map[string]any{"op": "prove"})
		if err == nil && len(out.ProofHex) != 2*rln.ProofValuesSize {
			err = fmt.Errorf("bench: zerokit proof is %d hex digits, want %d", len(out.ProofHex), 2*rln.ProofValuesSize)
		}
		return err
	}, 1, nil
}

// checkZerokitProof decodes zerokit's proof values and verifies them with
// Cairn's verifier.
func checkZerokitProof(proofHex string) error {
	b, err := hex.DecodeString(proofHex)
	if err != nil {
		return fmt.Errorf("bench: zerokit proof: %w", err)
	}
	pv, err := rln.DecodeProofValues(b)
	if err != nil {
		return fmt.Errorf("bench: zerokit proof: %w", err)
	}
	ok, err := rln.Verify(rln.DefaultVerifyingKey(), pv.Proof, pv.PublicInputs())
	if err != nil {
		return fmt.Errorf("bench: zerokit proof: %w", err)
	}
	if !ok {
		return errors.New("bench: zerokit's proof does not verify with Cairn's verifier")
	}
	return nil
}

// zerokitLoadRequest is the "load" request for in: the full witness as
// decimal strings and zerokit's serialized witness.
func zerokitLoadRequest(in rln.ProveInput) (map[string]any, error) {
	g, err := witness.Default()
	if err != nil {
		return nil, err
	}
	x := rln.SignalX(in.Signal)
	var limit, id fr.Element
	limit.SetUint64(in.UserMessageLimit)
	id.SetUint64(in.MessageID)
	bits := make([]fr.Element, len(in.Path.PathIndex))
	for i, b := range in.Path.PathIndex {
		bits[i].SetUint64(uint64(b))
	}
	w, err := g.Calculate(map[string][]fr.Element{
		"identitySecret": {in.IdentitySecret}, "userMessageLimit": {limit}, "messageId": {id},
		"pathElements": in.Path.PathElements, "identityPathIndex": bits,
		"x": {x}, "externalNullifier": {in.ExternalNullifier},
	})
	if err != nil {
		return nil, fmt.Errorf("bench: witness for zerokit: %w", err)
	}
	dec := make([]string, len(w))
	for i := range w {
		dec[i] = w[i].String()
	}
	return map[string]any{"op": "load", "witness_dec": dec,
		"serialized_witness_hex": hex.EncodeToString(serializedWitness(in, limit, id, x))}, nil
}

// serializedWitness is zerokit's RLNWitnessInput serialization:
// identity_secret | user_message_limit | message_id | n (u64 LE) |
// path_elements (n × 32) | m (u64 LE) | identity_path_index (m bytes) |
// x | external_nullifier, field elements 32 bytes little-endian.
func serializedWitness(in rln.ProveInput, limit, id, x fr.Element) []byte {
	var out []byte
	field := func(e fr.Element) {
		var b [fr.Bytes]byte
		fr.LittleEndian.PutElement(&b, e)
		out = append(out, b[:]...)
	}
	field(in.IdentitySecret)
	field(limit)
	field(id)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(in.Path.PathElements)))
	for _, e := range in.Path.PathElements {
		field(e)
	}
	out = binary.LittleEndian.AppendUint64(out, uint64(len(in.Path.PathIndex)))
	out = append(out, in.Path.PathIndex...)
	field(x)
	field(in.ExternalNullifier)
	return out
}

// zerokitProc is a running `node zerokit.mjs --serve`.
type zerokitProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan []byte // stdout lines; closed when stdout ends
}

// zerokitReply is the union of zerokit.mjs's answers.
type zerokitReply struct {
	Ready    bool   `json:"ready"`
	OK       bool   `json:"ok"`
	ProofHex string `json:"proof_hex"`
	Error    string `json:"error"`
}

// startZerokit starts the serve process and waits until it is ready. The
// error wraps accel.ErrUnavailable when node, the npm packages or the
// repository (found from the working directory) are missing.
func startZerokit() (*zerokitProc, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, zerokitDir)
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("bench: zerokit peer needs node (Node.js 20 or newer), not installed: %w", accel.ErrUnavailable)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@waku", "zerokit-rln-wasm")); err != nil {
		return nil, fmt.Errorf("bench: zerokit peer: npm packages not installed; run: (cd %s && npm ci): %w", zerokitDir, accel.ErrUnavailable)
	}
	cmd := exec.Command("node", "--import", "./polyfill.mjs", "zerokit.mjs", filepath.Join(root, zerokitZKey), "--serve")
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start zerokit: %w", err)
	}
	z := &zerokitProc{cmd: cmd, stdin: stdin, lines: make(chan []byte, 16)}
	go func() {
		defer close(z.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			z.lines <- append([]byte(nil), sc.Bytes()...)
		}
	}()
	if out, err := z.next(); err != nil || !out.Ready {
		z.close()
		return nil, fmt.Errorf("bench: zerokit did not start (reply %+v): %w", out, err)
	}
	return z, nil
}

// call sends one request and returns its answer; an answer with an error
// is returned as an error.
func (z *zerokitProc) call(req map[string]any) (zerokitReply, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return zerokitReply{}, err
	}
	if _, err := z.stdin.Write(append(b, '\n')); err != nil {
		return zerokitReply{}, fmt.Errorf("bench: zerokit %s: %w", req["op"], err)
	}
	out, err := z.next()
	if err == nil && out.Error != "" {
		err = fmt.Errorf("bench: zerokit %s: %s", req["op"], out.Error)
	}
	return out, err
}

// next reads one answer line.
func (z *zerokitProc) next() (zerokitReply, error) {
	var out zerokitReply
	select {
	case line, ok := <-z.lines:
		if !ok {
			return out, errors.New("bench: zerokit exited")
		}
		if err := json.Unmarshal(line, &out); err != nil {
			return out, fmt.Errorf("bench: zerokit answered %q: %w", line, err)
		}
		return out, nil
	case <-time.After(zerokitTimeout):
		return out, fmt.Errorf("bench: zerokit did not answer in %v", zerokitTimeout)
	}
}

// close ends the process: closing stdin ends its request loop.
func (z *zerokitProc) close() {
	z.stdin.Close()
	done := make(chan struct{})
	go func() { z.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		z.cmd.Process.Kill()
		<-done
	}
}

// repoRoot returns the Cairn checkout that holds the working directory
// (the directory of go.mod above it); the error wraps accel.ErrUnavailable.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, zerokitDir, "zerokit.mjs")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("bench: not run inside a Cairn checkout (no %s above the working directory): %w", zerokitDir, accel.ErrUnavailable)
		}
		dir = parent
	}
}
