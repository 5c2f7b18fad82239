package storagejob_test

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/farmtest"
	"github.com/cairn-node/cairn/node/farm/storagejob"
	"github.com/cairn-node/cairn/node/storage/proofs"
	"github.com/cairn-node/cairn/node/storage/proofs/circuit"
)

// fixturePath is logos-storage-nim's circuit input (5 samples).
const fixturePath = "../../../accel/poseidon2/testdata/logos-storage-circuit-input.json"

var (
	setupMu sync.Mutex
	setups  = map[string]*proofs.Keys{}
)

// keys sets up the keys for one sample in dir, once per dir and run.
func keys(t testing.TB, dir string) *proofs.Keys {
	t.Helper()
	setupMu.Lock()
	defer setupMu.Unlock()
	if k := setups[dir]; k != nil {
		return k
	}
	k, err := proofs.Setup(context.Background(), dir, circuit.DefaultParams(1))
	if err != nil {
		t.Fatal(err)
	}
	setups[dir] = k
	return k
}

func TestInputRoundTrip(t *testing.T) {
	k := keys(t, t.TempDir())
	w := witnessN(t, 1)
	payload, err := storagejob.EncodeInput(k, w)
	if err != nil {
		t.Fatal(err)
	}
	in, err := storagejob.DecodeInput(payload)
	if err != nil {
		t.Fatal(err)
	}
	if in.VK != k.VerifyingKey().Digest() || in.Witness.Entropy.Cmp(w.Entropy) != 0 || len(in.Witness.CellData) != 1 {
		t.Fatalf("DecodeInput(EncodeInput) = vk %x, entropy %v, %d samples", in.VK[:4], in.Witness.Entropy, len(in.Witness.CellData))
	}
	again, err := storagejob.EncodeInput(k, in.Witness)
	if err != nil || !bytes.Equal(again, payload) {
		t.Errorf("EncodeInput(DecodeInput(p)) differs from p (%v)", err)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"version 2": append([]byte{2}, payload[1:]...),
		"no input":  payload[:33],
		"not JSON":  append(append([]byte{}, payload[:33]...), '{'),
	} {
		if _, err := storagejob.DecodeInput(bad); !errors.Is(err, storagejob.ErrPayload) {
			t.Errorf("DecodeInput(%s) = %v, want ErrPayload", name, err)
		}
	}
	if _, err := storagejob.EncodeInput(k, witnessN(t, 2)); err == nil {
		t.Error("EncodeInput(2 samples under 1-sample keys) = nil error")
	}
}

// witnessN returns the first n samples of upstream's input.
func witnessN(t testing.TB, n int) *circuit.Witness {
	t.Helper()
	b, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	w, err := circuit.ParseInputJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	w.CellData, w.MerklePaths = w.CellData[:n], w.MerklePaths[:n]
	return w
}

// TestHandlerVerifier proves with the worker side under the submitter's
// keys (copied into the worker's directory), verifies with the submitter
// side, and checks the refusals: other public inputs, keys the verifier
// does not know, a worker without the keys or with another setup's.
func TestHandlerVerifier(t *testing.T) {
	nodeDir := t.TempDir()
	k := keys(t, nodeDir)
	payload, err := storagejob.EncodeInput(k, witnessN(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	res, err := storagejob.NewHandler(nodeDir).Handle(t.Context(), payload)
	if err != nil {
		t.Fatalf("Handle = %v", err)
	}
	v := storagejob.NewVerifier()
	if err := v.Verify(payload, res); !errors.Is(err, storagejob.ErrPayload) {
		t.Errorf("Verify before Add = %v, want ErrPayload", err)
	}
	v.Add(k.VerifyingKey())
	if err := v.Verify(payload, res); err != nil {
		t.Fatalf("Verify(honest proof) = %v", err)
	}
	w := witnessN(t, 1)
	w.Entropy = new(big.Int).Add(w.Entropy, big.NewInt(1))
	other, err := storagejob.EncodeInput(k, w)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(other, res); !errors.Is(err, storagejob.ErrWrongProof) {
		t.Errorf("Verify(proof of another entropy) = %v, want ErrWrongProof", err)
	}
	if err := v.Verify(payload, res[:10]); !errors.Is(err, storagejob.ErrWrongProof) {
		t.Errorf("Verify(truncated proof) = %v, want ErrWrongProof", err)
	}
	// The witness with the other entropy samples other cells: a worker
	// that is asked to prove it fails on the input, not on its keys.
	if _, err := storagejob.NewHandler(nodeDir).Handle(t.Context(), other); !errors.Is(err, proofs.ErrUnsatisfied) {
		t.Errorf("Handle(witness that does not hold) = %v, want ErrUnsatisfied", err)
	}

	empty := t.TempDir()
	if _, err := storagejob.NewHandler(empty).Handle(t.Context(), payload); !errors.Is(err, storagejob.ErrNoKeys) || !errors.Is(err, farm.ErrWorkerFault) || !strings.Contains(err.Error(), empty) {
		t.Errorf("Handle without keys = %v, want ErrNoKeys and ErrWorkerFault naming %s", err, empty)
	}
	otherSetup := t.TempDir()
	keys(t, otherSetup)
	if _, err := storagejob.NewHandler(otherSetup).Handle(t.Context(), payload); !errors.Is(err, storagejob.ErrNoKeys) || !errors.Is(err, farm.ErrWorkerFault) || !strings.Contains(err.Error(), "another setup") {
		t.Errorf("Handle with another setup's keys = %v, want ErrNoKeys and ErrWorkerFault", err)
	}
}

// TestFarmProvesStorage runs the kind through a real farm: an embedded
// NATS server with JetStream, a worker whose key directory holds a copy of
// the node's key file, and a submitter that verifies the result.
func TestFarmProvesStorage(t *testing.T) {
	nodeDir := t.TempDir()
	k := keys(t, nodeDir)
	workerDir := t.TempDir()
	name := proofs.KeyFileName(k.Params(), k.Digest())
	b, err := os.ReadFile(filepath.Join(nodeDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(workerDir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}

	url := farmtest.Start(t)
	js := farmtest.Connect(t, url)
	farmtest.RunWorker(t, farmtest.Connect(t, url), map[string]farm.Handler{storagejob.Kind: storagejob.NewHandler(workerDir)}, farm.WithID("storage-worker"))

	v := storagejob.NewVerifier()
	v.Add(k.VerifyingKey())
	sub, err := farm.NewSubmitter(t.Context(), js, map[string]farm.Verifier{storagejob.Kind: v})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	payload, err := storagejob.EncodeInput(k, witnessN(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(t.Context(), time.Minute)
	defer scancel()
	res, err := sub.Submit(sctx, storagejob.Kind, payload)
	if err != nil {
		t.Fatalf("Submit = %v", err)
	}
	p, err := storagejob.DecodeResult(res)
	if err != nil {
		t.Fatal(err)
	}
	wit := witnessN(t, 1)
	if err := k.VerifyingKey().Verify(p, proofs.PublicInputs{Entropy: wit.Entropy, DataSetRoot: wit.DataSetRoot, SlotIndex: wit.SlotIndex}); err != nil {
		t.Errorf("farm proof does not verify: %v", err)
	}
}
