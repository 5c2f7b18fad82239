package manifest_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/cairn-node/cairn/node/storage/manifest"
)

// FuzzDecode checks that Decode never panics, fails only with ErrMalformed,
// and that whatever it accepts re-encodes in the detected layout to bytes
// that decode to the same manifest and layout and re-encode identically.
// Seeds: every vector (both layouts), the upstream crosscheck manifest,
// protected and verifiable manifests, and testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, c := range loadVectors(f).Cases {
		f.Add(unhex(f, c.ManifestPB))
		if c.PB2026 != "" {
			f.Add(unhex(f, c.PB2026))
		}
	}
	var x crosscheckFile
	readJSON(f, "testdata/upstream-crosscheck.json", &x)
	for _, c := range x.Cases {
		if c.ManifestPB != "" {
			f.Add(unhex(f, c.ManifestPB))
		}
	}
	for _, m := range []*manifest.Manifest{protectedManifest(f), verifiableManifest(f)} {
		b, err := m.Encode(manifest.LayoutCodex)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, l, err := manifest.Decode(data)
		if err != nil {
			if !errors.Is(err, manifest.ErrMalformed) || m != nil {
				t.Fatalf("Decode(%x) = %v, %v, want nil, ErrMalformed", data, m, err)
			}
			return
		}
		enc, err := m.Encode(l)
		if err != nil {
			t.Fatalf("Decode(%x) = %+v, but Encode(%v) = %v", data, m, l, err)
		}
		m2, l2, err := manifest.Decode(enc)
		if err != nil || l2 != l || !reflect.DeepEqual(m2, m) {
			t.Fatalf("Decode(Encode(Decode(%x))) = %+v, %v, %v, want %+v, %v", data, m2, l2, err, m, l)
		}
		enc2, err := m2.Encode(l2)
		if err != nil || !bytes.Equal(enc2, enc) {
			t.Fatalf("Encode unstable: %x then %x (%v)", enc, enc2, err)
		}
		_ = m.Validate() // must not panic on anything Decode accepts
	})
}

// FuzzEncode builds manifests from fuzzed fields and checks that whatever
// Encode accepts, Decode reads back: the bytes re-encode identically in the
// detected layout, and manifests that pass Validate come back equal and in
// their own layout.
func FuzzEncode(f *testing.F) {
	f.Add("data.bin", "application/octet-stream", uint32(65536), uint64(300000), uint32(0), uint32(0), uint64(0), false)
	f.Add("a/b", "", uint32(65536), uint64(1), uint32(0), uint32(0), uint64(0), true)
	f.Add("", "text", uint32(4096), uint64(1), uint32(0), uint32(0), uint64(0), false)
	f.Add("data.bin", "application/octet-stream", uint32(65536), uint64(655360), uint32(3), uint32(2), uint64(300000), true)
	f.Fuzz(func(t *testing.T, filename, mimetype string, blockSize uint32, size uint64, k, m uint32, orig uint64, codex bool) {
		man := manifest.New(protectedTree(), blockSize, size)
		man.Filename, man.Mimetype = filename, mimetype
		if k != 0 || m != 0 {
			e := protectedManifest(t).Erasure
			e.K, e.M, e.OriginalDatasetSize = k, m, orig
			man.Erasure = e
		}
		l := manifest.Layout2026
		if codex || man.Protected() {
			l = manifest.LayoutCodex
		}
		enc, err := man.Encode(l)
		if err != nil {
			if man.Validate() == nil {
				t.Fatalf("Encode(%v) = %v for a valid manifest %+v", l, err, man)
			}
			return
		}
		got, gl, err := manifest.Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(%+v)) = %v", man, err)
		}
		if again, err := got.Encode(gl); err != nil || !bytes.Equal(again, enc) {
			t.Fatalf("Encode(%v) of Decode = %x, %v, want %x", gl, again, err, enc)
		}
		if man.Validate() != nil {
			return
		}
		if !reflect.DeepEqual(got, man) {
			t.Fatalf("Decode(Encode(m)) = %+v, want %+v", got, man)
		}
		if (man.Filename != "" || man.Mimetype != "" || man.Protected()) && gl != l {
			t.Fatalf("Decode layout = %v, want %v", gl, l)
		}
	})
}
