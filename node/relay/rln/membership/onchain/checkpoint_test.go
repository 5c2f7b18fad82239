package onchain

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/ethereum/go-ethereum/common"

	"github.com/cairn-node/cairn/node/relay/rln/membership"
)

func sampleCheckpoint() *Checkpoint {
	var a, b fr.Element
	a.SetUint64(7)
	b.SetString("21888242871839275222246405745257275088548364400416034343698204186575808495616") // r-1
	return &Checkpoint{
		ChainID:    59141,
		Contract:   common.HexToAddress("0xB9cd878C90E49F797B4431fBF4fb333108CB90e6"),
		StartBlock: 100,
		NextBlock:  4242,
		LastHash:   common.HexToHash("0x01"),
		Members:    []membership.Member{{Index: 0, RateCommitment: a}, {Index: 1<<20 - 1, RateCommitment: b}},
		Roots:      []fr.Element{a, b},
		Journal: []JournalEntry{
			{Block: 4200, Hash: common.HexToHash("0x02"), Undo: []membership.Change{{Index: 1<<20 - 1}}},
			{Block: 4241, Hash: common.HexToHash("0x03")},
		},
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	c := sampleCheckpoint()
	path := filepath.Join(t.TempDir(), "c.ckpt")
	if err := SaveCheckpoint(path, c); err != nil {
		t.Fatal(err)
	}
	got, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("LoadCheckpoint = %+v, want %+v", got, c)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after SaveCheckpoint, want 1 (no temporary left)", len(entries))
	}
}

func TestCheckpointCorruption(t *testing.T) {
	enc := sampleCheckpoint().Encode()
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", enc[:len(enc)-1]},
		{"flipped bit", func() []byte { b := append([]byte(nil), enc...); b[40] ^= 1; return b }()},
		{"other version", func() []byte { b := append([]byte(nil), enc...); b[15] = 2; return b }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeCheckpoint(tc.b); !errors.Is(err, ErrCheckpoint) {
				t.Errorf("DecodeCheckpoint = %v, want ErrCheckpoint", err)
			}
		})
	}
}

func TestCorruptCheckpointMeansFullSync(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.ckpt")
	if err := os.WriteFile(path, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := NewSyncer(nil, newGroup(t), Config{Contract: common.HexToAddress("0x1"), StartBlock: 9, CheckpointPath: path})
	if err != nil {
		t.Fatal(err)
	}
	if s.NextBlock() != 9 {
		t.Errorf("NextBlock() = %d, want the start block 9", s.NextBlock())
	}
}

func TestCheckpointOfAnotherContractIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.ckpt")
	c := sampleCheckpoint()
	if err := SaveCheckpoint(path, c); err != nil {
		t.Fatal(err)
	}
	_, err := NewSyncer(nil, newGroup(t), Config{ChainID: c.ChainID, Contract: common.HexToAddress("0x1"), StartBlock: c.StartBlock, CheckpointPath: path})
	if err == nil {
		t.Fatal("NewSyncer with another contract's checkpoint succeeded")
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	f.Add(sampleCheckpoint().Encode())
	f.Add((&Checkpoint{}).Encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := DecodeCheckpoint(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to the same bytes.
		if got := c.Encode(); string(got) != string(b) {
			t.Errorf("re-encoding differs")
		}
	})
}
