package cids_test

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/cairn-node/cairn/node/storage/cids"
)

type vectors struct {
	Cases []struct {
		Name        string   `json:"name"`
		BlockCIDs   []string `json:"block_cids"`
		BlockSHA256 []string `json:"block_sha256_hex"`
		TreeRoot    string   `json:"tree_root_hex"`
		TreeCID     string   `json:"tree_cid"`
		ManifestPB  string   `json:"manifest_pb_hex"`
		ManifestCID string   `json:"manifest_cid"`
	} `json:"cases"`
}

func TestSharedVectors(t *testing.T) {
	raw, err := os.ReadFile("testdata/storage-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range v.Cases {
		for i, h := range c.BlockSHA256 {
			var d [32]byte
			hex.Decode(d[:], []byte(h))
			if got := cids.String(cids.FromDigest(cids.CodecBlock, d)); got != c.BlockCIDs[i] {
				t.Errorf("%s block %d CID = %s, upstream %s", c.Name, i, got, c.BlockCIDs[i])
			}
		}
		var root [32]byte
		hex.Decode(root[:], []byte(c.TreeRoot))
		if got := cids.String(cids.Tree(root)); got != c.TreeCID {
			t.Errorf("%s tree CID = %s, upstream %s", c.Name, got, c.TreeCID)
		}
		pb, _ := hex.DecodeString(c.ManifestPB)
		if got := cids.String(cids.Manifest(pb)); got != c.ManifestCID {
			t.Errorf("%s manifest CID = %s, upstream %s", c.Name, got, c.ManifestCID)
		}
		// Round trip through Parse with the right codec, and rejection with
		// the wrong one.
		tc, err := cids.Parse(c.TreeCID, cids.CodecTree)
		if err != nil || cids.String(tc) != c.TreeCID {
			t.Errorf("Parse(%s) = %v, %v", c.TreeCID, tc, err)
		}
		if _, err := cids.Parse(c.TreeCID, cids.CodecBlock); !errors.Is(err, cids.ErrInvalid) {
			t.Errorf("Parse(tree CID as block) = %v, want ErrInvalid", err)
		}
	}
}

// TestUpstreamCrosscheck checks CIDs that appear literally in upstream test
// suites (see testdata/SOURCE).
func TestUpstreamCrosscheck(t *testing.T) {
	raw, err := os.ReadFile("testdata/upstream-crosscheck.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Cases []struct {
			Name       string `json:"name"`
			Expected   string `json:"upstream_expected"`
			ManifestPB string `json:"manifest_pb_hex"`
		} `json:"cases"`
		EmptyBlockCID string `json:"empty_block_cid"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if got := cids.String(cids.EmptyBlock); got != v.EmptyBlockCID {
		t.Errorf("EmptyBlock = %s, upstream %s", got, v.EmptyBlockCID)
	}
	checked := 0
	for _, c := range v.Cases {
		if c.ManifestPB == "" {
			continue
		}
		pb, _ := hex.DecodeString(c.ManifestPB)
		if got := cids.String(cids.Manifest(pb)); got != c.Expected {
			t.Errorf("%s = %s, upstream %s", c.Name, got, c.Expected)
		}
		checked++
	}
	if checked == 0 {
		t.Error("no manifest case checked")
	}
}

func TestRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"not a cid",
		"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", // CIDv0
		"bafkqaaa", // identity multihash
		"zDxWB8EDDsokSpiTXNRpv1jS2LXjEdLgTiDfxFd7Eo8CSPKVj93", // truncated
	} {
		if _, err := cids.Parse(s); !errors.Is(err, cids.ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", s, err)
		}
	}
	if _, err := cids.Cast([]byte{1, 2, 3}); !errors.Is(err, cids.ErrInvalid) {
		t.Errorf("Cast(garbage) = %v, want ErrInvalid", err)
	}
}

// FuzzParse: arbitrary text never panics, and what parses prints back to a
// string that parses to the same CID.
func FuzzParse(f *testing.F) {
	f.Add("zDxWB8EDDsokSpiTXNRpv1jS2LXjEdLgTiDfxFd7Eo8CSPKVj93r")
	f.Add("zDvZRwzm1ePSzKSXt57D5YxHwcSDmsCyYN65wW4HT7fuX9HrzFXy")
	f.Add("bafkqaaa")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := cids.Parse(s)
		if err != nil {
			return
		}
		back, err := cids.Parse(cids.String(c))
		if err != nil || !back.Equals(c) {
			t.Fatalf("Parse(String(Parse(%q))) = %v, %v", s, back, err)
		}
	})
}

// FuzzCast: arbitrary bytes never panic.
func FuzzCast(f *testing.F) {
	f.Add(cids.EmptyBlock.Bytes())
	f.Add([]byte{1, 0x82, 0x9a, 3, 0x12, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := cids.Cast(b)
		if err == nil && string(c.Bytes()) != string(b) {
			t.Fatalf("Cast(%x).Bytes() = %x", b, c.Bytes())
		}
	})
}
