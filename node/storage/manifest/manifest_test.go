package manifest_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// roundTrip decodes b, checks the layout, re-encodes in that layout and
// checks the bytes and the manifest CID.
func roundTrip(t *testing.T, name string, b []byte, wantLayout manifest.Layout, wantCID string) *manifest.Manifest {
	t.Helper()
	m, l, err := manifest.Decode(b)
	if err != nil {
		t.Fatalf("%s: Decode = %v, want nil", name, err)
	}
	if l != wantLayout {
		t.Errorf("%s: Decode layout = %v, want %v", name, l, wantLayout)
	}
	c, enc, err := m.CID(l)
	if err != nil {
		t.Fatalf("%s: CID(%v) = %v", name, l, err)
	}
	if !bytes.Equal(enc, b) {
		t.Errorf("%s: Encode(%v) = %x, want %x", name, l, enc, b)
	}
	if got := cids.String(c); wantCID != "" && got != wantCID {
		t.Errorf("%s: CID(%v) = %s, want %s", name, l, got, wantCID)
	}
	return m
}

func TestVectors(t *testing.T) {
	for _, c := range loadVectors(t).Cases {
		t.Run(c.Name, func(t *testing.T) {
			// The v0.2 bytes; without filename/mimetype they are also the
			// 2026 bytes, and Decode calls them Layout2026.
			want := manifest.LayoutCodex
			if c.Filename == "" && c.Mimetype == "" {
				want = manifest.Layout2026
			}
			m := roundTrip(t, "v0.2", unhex(t, c.ManifestPB), want, c.ManifestCID)
			if got := cids.String(m.TreeCID); got != c.TreeCID {
				t.Errorf("TreeCID = %s, want %s", got, c.TreeCID)
			}
			if m.BlockSize != c.BlockSize || m.DatasetSize != c.Length || m.BlocksCount() != c.NumBlocks {
				t.Errorf("sizes = %d, %d, %d blocks, want %d, %d, %d", m.BlockSize, m.DatasetSize, m.BlocksCount(), c.BlockSize, c.Length, c.NumBlocks)
			}
			if m.Filename != c.Filename || m.Mimetype != c.Mimetype {
				t.Errorf("filename, mimetype = %q, %q, want %q, %q", m.Filename, m.Mimetype, c.Filename, c.Mimetype)
			}
			if m.Version != 1 || m.Codec != cids.CodecBlock || m.HCodec != cids.HashSHA256 || m.Protected() {
				t.Errorf("decoded %+v, want CIDv1, 0xCD02, sha2-256, unprotected", m)
			}
			if err := m.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}

			// Built from the dataset description, both layouts.
			built := manifest.New(parseCID(t, c.TreeCID), c.BlockSize, c.Length)
			built.Filename, built.Mimetype = c.Filename, c.Mimetype
			if !reflect.DeepEqual(built, m) {
				t.Errorf("New(…) = %+v, decoded %+v", built, m)
			}
			pb2026, cid2026 := c.PB2026, c.CID2026
			if pb2026 == "" {
				pb2026, cid2026 = c.ManifestPB, c.ManifestCID
			} else {
				m2 := roundTrip(t, "2026", unhex(t, pb2026), manifest.Layout2026, cid2026)
				if !reflect.DeepEqual(m2, m) {
					t.Errorf("2026 decode = %+v, v0.2 decode %+v", m2, m)
				}
			}
			for _, tc := range []struct {
				l        manifest.Layout
				pb, wcid string
			}{{manifest.LayoutCodex, c.ManifestPB, c.ManifestCID}, {manifest.Layout2026, pb2026, cid2026}} {
				got, enc, err := built.CID(tc.l)
				if err != nil || hex.EncodeToString(enc) != tc.pb || cids.String(got) != tc.wcid {
					t.Errorf("CID(%v) = %s, %x, %v, want %s, %s", tc.l, cids.String(got), enc, err, tc.wcid, tc.pb)
				}
			}
			if got := built.DefaultLayout(); got != manifest.Layout2026 {
				t.Errorf("DefaultLayout() = %v, want %v", got, manifest.Layout2026)
			}
		})
	}
}

func TestUpstreamCrosscheck(t *testing.T) {
	var x crosscheckFile
	readJSON(t, "testdata/upstream-crosscheck.json", &x)
	var tree, man string
	var pb []byte
	for _, c := range x.Cases {
		switch {
		case c.ManifestPB != "":
			man, pb = c.Expected, unhex(t, c.ManifestPB)
		case strings.Contains(c.Name, "tree"):
			tree = c.Expected
		}
	}
	if pb == nil || tree == "" {
		t.Fatal("upstream-crosscheck.json: no manifest or tree case")
	}
	m := roundTrip(t, "upstream", pb, manifest.Layout2026, man)
	if got := cids.String(m.TreeCID); got != tree {
		t.Errorf("TreeCID = %s, want upstream %s", got, tree)
	}
	// "some file contents": 18 bytes in one 64 KiB block.
	if m.DatasetSize != 18 || m.BlockSize != manifest.DefaultBlockSize || m.BlocksCount() != 1 {
		t.Errorf("sizes = %d, %d, %d blocks, want 18, 65536, 1", m.DatasetSize, m.BlockSize, m.BlocksCount())
	}
	built := manifest.New(parseCID(t, tree), manifest.DefaultBlockSize, 18)
	if c, _, err := built.CID(manifest.Layout2026); err != nil || cids.String(c) != man {
		t.Errorf("New(upstream tree, 65536, 18).CID = %s, %v, want %s", cids.String(c), err, man)
	}
}

func TestProtectedRoundTrip(t *testing.T) {
	m := protectedManifest(t)
	if got, want := [3]uint64{m.OriginalBlocksCount(), m.Steps(), m.BlocksCount()}, [3]uint64{5, 2, 10}; got != want {
		t.Errorf("OriginalBlocksCount, Steps, BlocksCount = %v, want %v", got, want)
	}
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
	if got := m.DefaultLayout(); got != manifest.LayoutCodex {
		t.Errorf("DefaultLayout() = %v, want %v", got, manifest.LayoutCodex)
	}
	if _, err := m.Encode(manifest.Layout2026); !errors.Is(err, manifest.ErrLayout) {
		t.Errorf("Encode(Layout2026) = %v, want ErrLayout", err)
	}
	// Assembled field by field from the v0.2 coder.
	erasure := cat(pbUint(1, 3), pbUint(2, 2), pbBytes(3, parseCID(t, origTreeCID).Bytes()),
		pbUint(4, origSize), pbUint(5, 1))
	header := cat(pbBytes(1, protectedTree().Bytes()), pbUint(2, 65536), pbUint(3, 655360),
		pbUint(4, 0xCD02), pbUint(5, 0x12), pbUint(6, 2), pbBytes(7, erasure),
		pbBytes(8, []byte("data.bin")), pbBytes(9, []byte("application/octet-stream")))
	want := pbBytes(1, header)
	got, err := m.Encode(manifest.LayoutCodex)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Encode(LayoutCodex) = %x, %v, want %x", got, err, want)
	}
	d := roundTrip(t, "protected", want, manifest.LayoutCodex, "")
	if !reflect.DeepEqual(d, m) {
		t.Errorf("Decode = %+v / %+v, want %+v / %+v", d, d.Erasure, m, m.Erasure)
	}
	// Without filename and mimetype, and with zero-valued scalars in the
	// erasure info (Linear strategy): still written.
	m.Filename, m.Mimetype, m.Erasure.Strategy = "", "", manifest.StrategyLinear
	enc, err := m.Encode(manifest.LayoutCodex)
	if err != nil || !bytes.Contains(enc, pbUint(5, 0)) {
		t.Errorf("Encode(LayoutCodex) = %x, %v, want protectedStrategy 0 written", enc, err)
	}
	roundTrip(t, "protected, no names", enc, manifest.LayoutCodex, "")
}

func TestVerifiableRoundTrip(t *testing.T) {
	m := verifiableManifest(t)
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
	enc, err := m.Encode(manifest.LayoutCodex)
	if err != nil {
		t.Fatal(err)
	}
	d := roundTrip(t, "verifiable", enc, manifest.LayoutCodex, "")
	if !reflect.DeepEqual(d, m) {
		t.Errorf("Decode = %+v, want %+v", d.Erasure.Verification, m.Erasure.Verification)
	}
	v := m.Erasure.Verification
	var slots []byte
	for _, c := range v.SlotRoots {
		slots = append(slots, pbBytes(2, c.Bytes())...)
	}
	want := cat(pbBytes(1, v.VerifyRoot.Bytes()), slots, pbUint(3, 2048), pbUint(4, 0))
	if !bytes.Contains(enc, pbBytes(6, want)) {
		t.Errorf("Encode(LayoutCodex) = %x, want verification info %x inside", enc, want)
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*manifest.Manifest)
		l    manifest.Layout
		want error
	}{
		{"unknown layout", func(*manifest.Manifest) {}, 7, manifest.ErrLayout},
		{"no tree", func(m *manifest.Manifest) { m.TreeCID = manifest.Manifest{}.TreeCID }, manifest.Layout2026, manifest.ErrInvalid},
		{"block tree CID", func(m *manifest.Manifest) { m.TreeCID = cids.Block([]byte("x")) }, manifest.Layout2026, manifest.ErrInvalid},
		{"zero block size", func(m *manifest.Manifest) { m.BlockSize = 0 }, manifest.Layout2026, manifest.ErrInvalid},
		{"CIDv0", func(m *manifest.Manifest) { m.Version = 0 }, manifest.Layout2026, manifest.ErrInvalid},
		{"codec > u32", func(m *manifest.Manifest) { m.Codec = 1 << 32 }, manifest.LayoutCodex, manifest.ErrInvalid},
		{"K = 0", func(m *manifest.Manifest) {
			m.Erasure = protectedManifest(t).Erasure
			m.Erasure.K = 0
		}, manifest.LayoutCodex, manifest.ErrInvalid},
		{"huge filename", func(m *manifest.Manifest) { m.Filename = strings.Repeat("a", manifest.MaxEncodedSize) }, manifest.Layout2026, manifest.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := manifest.New(protectedTree(), manifest.DefaultBlockSize, 1)
			tc.edit(m)
			if _, err := m.Encode(tc.l); !errors.Is(err, tc.want) || !strings.HasPrefix(err.Error(), "manifest: ") {
				t.Errorf("Encode(%v) = %v, want %v", tc.l, err, tc.want)
			}
		})
	}
	var nilM *manifest.Manifest
	if _, err := nilM.Encode(manifest.Layout2026); !errors.Is(err, manifest.ErrInvalid) {
		t.Errorf("(*Manifest)(nil).Encode = %v, want ErrInvalid", err)
	}
}
