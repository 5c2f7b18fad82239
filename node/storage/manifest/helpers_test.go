package manifest_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// vectorFile is testdata/storage-vectors.json.
type vectorFile struct {
	Cases []struct {
		Name        string `json:"name"`
		Length      uint64 `json:"length"`
		BlockSize   uint32 `json:"block_size"`
		NumBlocks   uint64 `json:"num_blocks"`
		Filename    string `json:"filename"`
		Mimetype    string `json:"mimetype"`
		TreeCID     string `json:"tree_cid"`
		ManifestPB  string `json:"manifest_pb_hex"`
		ManifestCID string `json:"manifest_cid"`
		PB2026      string `json:"manifest_pb_hex_logos2026"`
		CID2026     string `json:"manifest_cid_logos2026"`
	} `json:"cases"`
}

// crosscheckFile is testdata/upstream-crosscheck.json.
type crosscheckFile struct {
	Cases []struct {
		Name       string `json:"name"`
		Expected   string `json:"upstream_expected"`
		ManifestPB string `json:"manifest_pb_hex"`
	} `json:"cases"`
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func loadVectors(t testing.TB) vectorFile {
	var v vectorFile
	readJSON(t, "testdata/storage-vectors.json", &v)
	if len(v.Cases) == 0 {
		t.Fatal("storage-vectors.json: no cases")
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

func parseCID(t testing.TB, s string) cid.Cid {
	t.Helper()
	c, err := cids.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Independent protobuf builder for the tests (not the package's writer).

func pbTag(num, wire int) []byte { return binary.AppendUvarint(nil, uint64(num<<3|wire)) }

func pbUint(num int, v uint64) []byte { return binary.AppendUvarint(pbTag(num, 0), v) }

func pbBytes(num int, v []byte) []byte {
	return append(binary.AppendUvarint(pbTag(num, 2), uint64(len(v))), v...)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// Fixtures shared by the tests: the mod251-300000 vector dataset (B=5
// blocks of 64 KiB, 300000 bytes) and its protected form per §6 with K=3,
// M=2: rounded 6, steps 2, blocksCount 6 + 2·2 = 10. The protected tree
// root is synthetic (the EC tree itself is another package's business).
const (
	origTreeCID = "zDzSvJTfGMa8FouSWhW4wpvpbtwBFpBAW2o6BtayAaG6qFjLLVbN"
	origSize    = 300000
)

func protectedTree() cid.Cid { return cids.Tree(sha256.Sum256([]byte("cairn test: protected tree"))) }

// identityCID returns CIDv1(codec, identity multihash of 32 bytes), the form
// of nim-codex proof roots.
func identityCID(t testing.TB, codec uint64, seed string) cid.Cid {
	t.Helper()
	d := sha256.Sum256([]byte(seed))
	h, err := mh.Encode(d[:], mh.IDENTITY)
	if err != nil {
		t.Fatal(err)
	}
	return cid.NewCidV1(codec, h)
}

func protectedManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m := manifest.New(protectedTree(), manifest.DefaultBlockSize, 10*manifest.DefaultBlockSize)
	m.Filename, m.Mimetype = "data.bin", "application/octet-stream"
	m.Erasure = &manifest.ErasureInfo{
		K: 3, M: 2,
		OriginalTreeCID:     parseCID(t, origTreeCID),
		OriginalDatasetSize: origSize,
		Strategy:            manifest.StrategyStepped,
	}
	return m
}

func verifiableManifest(t testing.TB) *manifest.Manifest {
	t.Helper()
	m := protectedManifest(t)
	v := &manifest.VerificationInfo{
		VerifyRoot: identityCID(t, cids.CodecVerify, "verify"),
		CellSize:   manifest.DefaultCellSize,
		Strategy:   manifest.StrategyLinear,
	}
	for i := range 5 {
		v.SlotRoots = append(v.SlotRoots, identityCID(t, cids.CodecSlotRoot, "slot"+string(rune('0'+i))))
	}
	m.Erasure.Verification = v
	return m
}
