package manifest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

func TestValidate(t *testing.T) {
	plain := func(t testing.TB) *manifest.Manifest {
		m := manifest.New(parseCID(t, origTreeCID), manifest.DefaultBlockSize, origSize)
		m.Filename, m.Mimetype = "data.bin", "application/octet-stream"
		return m
	}
	for _, tc := range []struct {
		name  string
		base  func(testing.TB) *manifest.Manifest
		edit  func(*manifest.Manifest)
		want  string // "" = valid; else a substring of the error
		build bool   // the edited manifest still encodes and decodes
	}{
		{"plain", plain, func(*manifest.Manifest) {}, "", true},
		{"no names", plain, func(m *manifest.Manifest) { m.Filename, m.Mimetype = "", "" }, "", true},
		{"4 KiB blocks", plain, func(m *manifest.Manifest) { m.BlockSize = 4096 }, "", true},
		{"512 KiB blocks", plain, func(m *manifest.Manifest) { m.BlockSize = 524288 }, "", true},
		{"255-byte UTF-8 filename", plain, func(m *manifest.Manifest) { m.Filename = strings.Repeat("é", 127) + "x" }, "", true},
		{"protected", protectedManifest, func(*manifest.Manifest) {}, "", true},
		{"verifiable", verifiableManifest, func(*manifest.Manifest) {}, "", true},
		{"K = B", protectedManifest, func(m *manifest.Manifest) {
			// B=5, K=5, M=2: rounded 5, steps 1, 7 blocks.
			m.Erasure.K, m.DatasetSize = 5, 7*65536
		}, "", true},

		{"block size not a power of two", plain, func(m *manifest.Manifest) { m.BlockSize = 65535 }, "block size 65535", true},
		{"block size too small", plain, func(m *manifest.Manifest) { m.BlockSize = 2048 }, "block size 2048", true},
		{"block size too large", plain, func(m *manifest.Manifest) { m.BlockSize = 1 << 20 }, "block size 1048576", true},
		{"empty dataset", plain, func(m *manifest.Manifest) { m.DatasetSize = 0 }, "empty dataset", true},
		{"codec", plain, func(m *manifest.Manifest) { m.Codec = 0x55 }, "codec 0x55", true},
		{"hcodec", plain, func(m *manifest.Manifest) { m.HCodec = 0x13 }, "hcodec 0x13", true},
		{"filename 256 bytes", plain, func(m *manifest.Manifest) { m.Filename = strings.Repeat("a", 256) }, "256 bytes", true},
		{"filename with /", plain, func(m *manifest.Manifest) { m.Filename = "a/b" }, "contains '/'", true},
		{"filename not UTF-8", plain, func(m *manifest.Manifest) { m.Filename = "caf\xe9" }, "not UTF-8", false},
		{"filename control", plain, func(m *manifest.Manifest) { m.Filename = "a\nb" }, "control", true},
		{"mimetype 129 bytes", plain, func(m *manifest.Manifest) { m.Mimetype = "a/" + strings.Repeat("b", 127) }, "129 bytes", true},
		{"mimetype without /", plain, func(m *manifest.Manifest) { m.Mimetype = "text" }, "type/subtype", true},
		{"mimetype with parameters", plain, func(m *manifest.Manifest) { m.Mimetype = "text/plain; charset=utf-8" }, "type/subtype", true},
		{"tree CID codec", plain, func(m *manifest.Manifest) { m.TreeCID = cids.Block(nil) }, "tree CID", false},
		{"CIDv0", plain, func(m *manifest.Manifest) { m.Version = 0 }, "CID version 0", false},

		{"blocks != steps*(K+M)", protectedManifest, func(m *manifest.Manifest) { m.DatasetSize = 9 * 65536 }, "9 blocks, want steps 2 × (K+M) 5", true},
		{"dataset size not whole blocks", protectedManifest, func(m *manifest.Manifest) { m.DatasetSize-- }, "not block size × 10 blocks", true},
		{"M = 0", protectedManifest, func(m *manifest.Manifest) { m.Erasure.M, m.DatasetSize = 0, 6*65536 }, "M=0", true},
		{"M > K", protectedManifest, func(m *manifest.Manifest) { m.Erasure.K, m.Erasure.M = 1, 2 }, "M=2", true},
		{"K > B", protectedManifest, func(m *manifest.Manifest) { m.Erasure.K = 6 }, "K=6 exceeds the 5 original blocks", true},
		{"K = 0", protectedManifest, func(m *manifest.Manifest) { m.Erasure.K = 0 }, "K=0", false},
		{"K+M > 65536", protectedManifest, func(m *manifest.Manifest) { m.Erasure.K, m.Erasure.M = 65536, 1 }, "K+M", false},
		{"empty original", protectedManifest, func(m *manifest.Manifest) { m.Erasure.OriginalDatasetSize = 0 }, "empty original dataset", true},
		{"original tree codec", protectedManifest, func(m *manifest.Manifest) { m.Erasure.OriginalTreeCID = cids.Block(nil) }, "original tree CID", false},
		{"strategy 2", protectedManifest, func(m *manifest.Manifest) { m.Erasure.Strategy = 2 }, "strategy 2", false},
		{"4 slot roots", verifiableManifest, func(m *manifest.Manifest) {
			v := m.Erasure.Verification
			v.SlotRoots = v.SlotRoots[:4]
		}, "4 slot roots, want K+M = 5", true},
		{"no slot roots", verifiableManifest, func(m *manifest.Manifest) { m.Erasure.Verification.SlotRoots = nil }, "without slot roots", false},
		{"sha256 slot root", verifiableManifest, func(m *manifest.Manifest) {
			m.Erasure.Verification.SlotRoots[2] = cids.FromDigest(cids.CodecSlotRoot, [32]byte{1})
		}, "slot root 2: multihash 0x12", true},
		{"verify root codec", verifiableManifest, func(m *manifest.Manifest) {
			m.Erasure.Verification.VerifyRoot = identityCID(t, cids.CodecSlotRoot, "x")
		}, "verify root: codec 0xcd04", true},
		{"cell size", verifiableManifest, func(m *manifest.Manifest) { m.Erasure.Verification.CellSize = 3000 }, "cell size 3000", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.base(t)
			tc.edit(m)
			err := m.Validate()
			if tc.want == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
			} else if !errors.Is(err, manifest.ErrInvalid) || !strings.Contains(err.Error(), tc.want) ||
				!strings.HasPrefix(err.Error(), "manifest: invalid: ") {
				t.Errorf("Validate() = %v, want ErrInvalid containing %q", err, tc.want)
			}
			// Encode and Decode accept every manifest they can represent,
			// valid or not, and the layout survives when Validate passes.
			enc, err := m.Encode(m.DefaultLayout())
			if (err == nil) != tc.build {
				t.Fatalf("Encode(%v) = %v, want success %v", m.DefaultLayout(), err, tc.build)
			}
			if err != nil {
				return
			}
			d, l, err := manifest.Decode(enc)
			if err != nil {
				t.Fatalf("Decode(Encode(m)) = %v", err)
			}
			if tc.want == "" && (m.Filename != "" || m.Mimetype != "" || m.Protected()) && l != m.DefaultLayout() {
				t.Errorf("Decode layout = %v, want %v", l, m.DefaultLayout())
			}
			if err2 := d.Validate(); (err2 == nil) != (tc.want == "") {
				t.Errorf("Decode(Encode(m)).Validate() = %v, m.Validate() = %v", err2, m.Validate())
			}
		})
	}
}
