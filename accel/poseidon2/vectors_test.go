package poseidon2_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/poseidon2"
)

// TestHorizenLabsKAT checks the known-answer test of the HorizenLabs
// reference for BN254, t = 3: perm([0, 1, 2]).
//
// SOURCE: HorizenLabs/poseidon2, plain_implementations/src/poseidon2/poseidon2.rs,
// mod poseidon2_tests_bn256, fn kats, at commit
// d07420143f43a2c456f41c53dd99908ab34bf6a9 (the commit whose constants Logos
// Storage uses; see constants.go). MIT or Apache-2.0.
//
// The same test at HorizenLabs' current commit
// (bb476b9ca38198cf5092487283c8b8c5d4317c4e and later) expects
// 0x0bb61d24…3033 from different round constants; that is not the Logos
// Storage permutation.
func TestHorizenLabsKAT(t *testing.T) {
	want := [3]accel.Fr{
		frHexBE(t, "0x30610a447b7dec194697fb50786aa7421494bd64c221ba4d3b1af25fb07bd103"),
		frHexBE(t, "0x13f731d6ffbad391be22d2ac364151849e19fa38eced4e761bcd21dbdc600288"),
		frHexBE(t, "0x1433e2c8f68382c447c5c14b8b3df7cbfd9273dd655fe52f1357c27150da786f"),
	}
	for _, p := range backends(t) {
		states := [][3]accel.Fr{{poseidon2.FrFromUint64(0), poseidon2.FrFromUint64(1), poseidon2.FrFromUint64(2)}}
		if err := p.Permute(states); err != nil {
			t.Fatalf("%s: Permute([0 1 2]) = %v", p.Backend(), err)
		}
		if states[0] != want {
			t.Errorf("%s: Permute([0 1 2]) = %x, want %x", p.Backend(), states[0], want)
		}
	}
}

// nimVectors are the test vectors of codex-storage/nim-poseidon2; see
// testdata/SOURCE.md.
type nimVectors struct {
	Permutation012        []string `json:"permutation_0_1_2"`
	SpongeRate2           []string `json:"sponge_rate2_1_to_n"`
	MerkleElements        []string `json:"merkle_root_elements_1_to_n"`
	MerkleBytes           []string `json:"merkle_root_bytes_1_to_n"`
	MerkleElements2Pow17  string   `json:"merkle_root_elements_1_to_2pow17_le_hex"`
	MerkleBytes1To80      string   `json:"merkle_root_bytes_1_to_80_le_hex"`
	MerkleEmptyBytesLEHex string   `json:"merkle_root_empty_bytes_le_hex"`
}

func loadNimVectors(t *testing.T) *nimVectors {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "nim-poseidon2-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	v := new(nimVectors)
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatal(err)
	}
	return v
}

// frLEHex parses the little-endian hex that nim-poseidon2 prints with
// toHex(littleEndian) / toBytes.toHex.
func frLEHex(t *testing.T, s string) accel.Fr {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad little-endian hex %q", s)
	}
	return accel.Fr(b)
}

func TestNimPermutation(t *testing.T) {
	v := loadNimVectors(t)
	want := [3]accel.Fr{frDec(t, v.Permutation012[0]), frDec(t, v.Permutation012[1]), frDec(t, v.Permutation012[2])}
	for _, p := range backends(t) {
		states := [][3]accel.Fr{{poseidon2.FrFromUint64(0), poseidon2.FrFromUint64(1), poseidon2.FrFromUint64(2)}}
		if err := p.Permute(states); err != nil {
			t.Fatal(err)
		}
		if states[0] != want {
			t.Errorf("%s: Permute([0 1 2]) = %x, want %x", p.Backend(), states[0], want)
		}
	}
}

func TestNimSponge(t *testing.T) {
	v := loadNimVectors(t)
	for _, p := range backends(t) {
		for n, w := range v.SpongeRate2 {
			var in []accel.Fr
			for i := 1; i <= n; i++ {
				in = append(in, poseidon2.FrFromUint64(uint64(i)))
			}
			got, err := p.Sponge(in)
			if err != nil {
				t.Fatal(err)
			}
			if want := frDec(t, w); got != want {
				t.Errorf("%s: Sponge([1..%d]) = %v, want %v", p.Backend(), n, poseidon2.ToBig(got), w)
			}
		}
	}
}

func TestNimMerkleElements(t *testing.T) {
	v := loadNimVectors(t)
	for _, p := range backends(t) {
		for i, w := range v.MerkleElements {
			n := i + 1
			leaves := make([]accel.Fr, n)
			for j := range leaves {
				leaves[j] = poseidon2.FrFromUint64(uint64(j + 1))
			}
			if got, want := merkleRoot(t, p, leaves), frDec(t, w); got != want {
				t.Errorf("%s: merkleRoot([1..%d]) = %v, want %v", p.Backend(), n, poseidon2.ToBig(got), w)
			}
		}
	}
}

// TestNimMerkleBytes checks BytesToElements through the Merkle roots of
// byte strings (nim `Merkle.digest(bytes)` = root over `bytes.elements(F)`).
func TestNimMerkleBytes(t *testing.T) {
	v := loadNimVectors(t)
	for _, p := range backends(t) {
		for n, w := range v.MerkleBytes {
			data := make([]byte, n)
			for j := range data {
				data[j] = byte(j + 1)
			}
			leaves := poseidon2.BytesToElements(nil, data)
			if got, want := merkleRoot(t, p, leaves), frDec(t, w); got != want {
				t.Errorf("%s: merkleRoot(BytesToElements([1..%d])) = %v, want %v", p.Backend(), n, poseidon2.ToBig(got), w)
			}
		}
		data := make([]byte, 80)
		for j := range data {
			data[j] = byte(j + 1)
		}
		if got, want := merkleRoot(t, p, poseidon2.BytesToElements(nil, data)), frLEHex(t, v.MerkleBytes1To80); got != want {
			t.Errorf("%s: merkleRoot(BytesToElements([1..80])) = %x, want %x (little-endian)", p.Backend(), got, want)
		}
		if got, want := merkleRoot(t, p, poseidon2.BytesToElements(nil, nil)), frLEHex(t, v.MerkleEmptyBytesLEHex); got != want {
			t.Errorf("%s: merkleRoot(BytesToElements(nil)) = %x, want %x (little-endian)", p.Backend(), got, want)
		}
	}
}

// TestNimMerkleLarge is nim-poseidon2's 2^17-leaf root; 131071 compressions,
// run on the simd backend only (a few hundred ms) and skipped with -short.
func TestNimMerkleLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("131071 compressions; skipped with -short")
	}
	v := loadNimVectors(t)
	p := mustNew(t, accel.SIMD)
	leaves := make([]accel.Fr, 1<<17)
	for j := range leaves {
		leaves[j] = poseidon2.FrFromUint64(uint64(j + 1))
	}
	if got, want := merkleRoot(t, p, leaves), frLEHex(t, v.MerkleElements2Pow17); got != want {
		t.Errorf("%s: merkleRoot([1..2^17]) = %x, want %x (little-endian)", p.Backend(), got, want)
	}
}

// circuitInput is the storage-proof circuit input of Logos Storage's test
// fixture; see testdata/SOURCE.md.
type circuitInput struct {
	DataSetRoot      string     `json:"dataSetRoot"`
	Entropy          string     `json:"entropy"`
	NCellsPerSlot    int        `json:"nCellsPerSlot"`
	NSlotsPerDataSet int        `json:"nSlotsPerDataSet"`
	SlotIndex        int        `json:"slotIndex"`
	SlotRoot         string     `json:"slotRoot"`
	SlotProof        []string   `json:"slotProof"`
	CellData         [][]string `json:"cellData"`
	MerklePaths      [][]string `json:"merklePaths"`
}

// TestLogosStorageCircuitInput replays the checks of the storage-proof
// circuit on upstream's fixture: sample indices from the sponge of
// (entropy, slot root, counter), cell hashes from the sponge of 67 elements
// (and from the 2048 cell bytes through HashBytes), Merkle paths through the
// block tree (32 cells) and the slot tree up to the slot root, and the slot
// root's path up to the dataset root over 11 slots.
func TestLogosStorageCircuitInput(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "logos-storage-circuit-input.json"))
	if err != nil {
		t.Fatal(err)
	}
	var in circuitInput
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	const cellsPerBlock, blockDepth = 32, 5
	nCells := in.NCellsPerSlot
	slotDepth := 0
	for 1<<slotDepth < nCells {
		slotDepth++
	}
	entropy, slotRoot, dataSetRoot := frDec(t, in.Entropy), frDec(t, in.SlotRoot), frDec(t, in.DataSetRoot)

	for _, p := range backends(t) {
		for k, cell := range in.CellData {
			counter := uint64(k + 1)
			u, err := p.Sponge([]accel.Fr{entropy, slotRoot, poseidon2.FrFromUint64(counter)})
			if err != nil {
				t.Fatal(err)
			}
			idx := int(new(big.Int).Mod(poseidon2.ToBig(u), big.NewInt(int64(nCells))).Int64())

			elems := make([]accel.Fr, len(cell))
			for i, s := range cell {
				elems[i] = frDec(t, s)
			}
			leaf, err := p.Sponge(elems)
			if err != nil {
				t.Fatal(err)
			}

			// The 67 elements are 2048 bytes in 31-byte chunks plus the
			// 0x01 marker and zero padding; rebuild the bytes and hash them.
			var packed []byte
			for _, e := range elems {
				packed = append(packed, e[:poseidon2.ChunkSize]...)
			}
			const cellSize = 2048
			data, pad := packed[:cellSize], packed[cellSize:]
			if pad[0] != 0x01 || len(bytes.Trim(pad[1:], "\x00")) != 0 {
				t.Fatalf("sample %d: cell elements end in %x, want the 0x01 marker and zero bytes", k, pad)
			}
			if got := poseidon2.BytesToElements(nil, data); fmt.Sprint(got) != fmt.Sprint(elems) {
				t.Errorf("sample %d: BytesToElements(cell) differs from the fixture's cellData", k)
			}
			h, err := poseidon2.HashBytes(p, data)
			if err != nil {
				t.Fatal(err)
			}
			if h != leaf {
				t.Errorf("%s: sample %d: HashBytes(cell) = %v, want Sponge(cellData) = %v", p.Backend(), k, poseidon2.ToBig(h), poseidon2.ToBig(leaf))
			}

			path := make([]accel.Fr, slotDepth)
			for i := range path {
				path[i] = frDec(t, in.MerklePaths[k][i])
			}
			blockRoot := reconstructRoot(t, p, leaf, idx%cellsPerBlock, cellsPerBlock, path[:blockDepth])
			got := reconstructRoot(t, p, blockRoot, idx/cellsPerBlock, nCells/cellsPerBlock, path[blockDepth:])
			if got != slotRoot {
				t.Errorf("%s: sample %d (cell %d): root from Merkle path = %v, want slot root %v", p.Backend(), k, idx, poseidon2.ToBig(got), in.SlotRoot)
			}
		}

		var slotPath []accel.Fr
		for size := in.NSlotsPerDataSet; size > 1; size = (size + 1) / 2 {
			slotPath = append(slotPath, frDec(t, in.SlotProof[len(slotPath)]))
		}
		got := reconstructRoot(t, p, slotRoot, in.SlotIndex, in.NSlotsPerDataSet, slotPath)
		if got != dataSetRoot {
			t.Errorf("%s: dataset root from slot proof = %v, want %v", p.Backend(), poseidon2.ToBig(got), in.DataSetRoot)
		}
	}
}
