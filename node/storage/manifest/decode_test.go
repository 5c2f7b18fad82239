package manifest_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// header returns header fields 1–6 of a plain 300000-byte manifest with
// field n replaced by repl (nil: dropped; n = 0: nothing replaced).
func header(t testing.TB, n int, repl []byte) []byte {
	fields := [][]byte{
		pbBytes(1, parseCID(t, origTreeCID).Bytes()), pbUint(2, 65536), pbUint(3, origSize),
		pbUint(4, 0xCD02), pbUint(5, 0x12), pbUint(6, 2),
	}
	if n > 0 {
		fields[n-1] = repl
	}
	return cat(fields...)
}

// erasureInfo returns ErasureInfo fields 1–5 (K=3, M=2) with field n
// replaced by repl, as header above.
func erasureInfo(t testing.TB, n int, repl []byte) []byte {
	fields := [][]byte{
		pbUint(1, 3), pbUint(2, 2), pbBytes(3, parseCID(t, origTreeCID).Bytes()),
		pbUint(4, origSize), pbUint(5, 1),
	}
	if n > 0 {
		fields[n-1] = repl
	}
	return cat(fields...)
}

func TestDecodeMalformed(t *testing.T) {
	h := header(t, 0, nil)
	wrap := func(parts ...[]byte) []byte { return pbBytes(1, cat(parts...)) }
	verif := func(parts ...[]byte) []byte {
		return wrap(h, pbBytes(7, cat(erasureInfo(t, 0, nil), pbBytes(6, cat(parts...)))))
	}
	slot := pbBytes(2, identityCID(t, cids.CodecSlotRoot, "s").Bytes())
	root := pbBytes(1, identityCID(t, cids.CodecVerify, "v").Bytes())
	for _, tc := range []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "header (field 1) missing"},
		{"outer key truncated", []byte{0x8a}, "truncated varint"},
		{"header length truncated", []byte{0x0a}, "length: truncated varint"},
		{"header length beyond buffer", []byte{0x0a, 0x05, 0x0a}, "length 5 beyond the 1 bytes left"},
		{"absurd length", []byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "beyond"},
		{"varint overflow", wrap(pbTag(2, 0), bytes.Repeat([]byte{0xff}, 10), []byte{0x01}), "overflows"},
		{"varint 10th byte > 1", wrap(pbTag(3, 0), bytes.Repeat([]byte{0xff}, 9), []byte{0x02}), "overflows"},
		{"overlong varint", wrap(header(t, 2, []byte{0x10, 0x80, 0x80, 0x04, 0x80, 0x00})), "not minimally encoded"},
		{"field number 0", wrap(h, []byte{0x02, 0x00}), "field number 0"},
		{"field number too big", wrap(h, []byte{0xf8, 0xff, 0xff, 0xff, 0x1f, 0x00}), "out of range"},
		{"group wire type", wrap(h, []byte{0x53}), "wire type 3"},
		{"wire type 7", wrap(h, []byte{0x57}), "wire type 7"},
		{"fixed64 truncated", wrap(h, []byte{0x51, 1, 2, 3}), "fixed-width value truncated"},
		{"header is a varint", pbUint(1, 5), "header (field 1): wire type 0, want 2"},
		{"two headers", cat(wrap(h), wrap(h)), "header (field 1): repeated"},
		{"missing tree", wrap(header(t, 1, nil)), "treeCid (field 1) missing"},
		{"missing blockSize", wrap(header(t, 2, nil)), "blockSize (field 2) missing"},
		{"missing datasetSize", wrap(header(t, 3, nil)), "datasetSize (field 3) missing"},
		{"missing codec", wrap(header(t, 4, nil)), "codec (field 4) missing"},
		{"missing hcodec", wrap(header(t, 5, nil)), "hcodec (field 5) missing"},
		{"missing version", wrap(header(t, 6, nil)), "version (field 6) missing"},
		{"blockSize as bytes", wrap(header(t, 2, pbBytes(2, []byte{1}))), "blockSize (field 2): wire type 2, want 0"},
		{"tree as varint", wrap(header(t, 1, pbUint(1, 1))), "treeCid (field 1): wire type 0"},
		{"blockSize twice", wrap(h, pbUint(2, 65536)), "blockSize (field 2): repeated"},
		{"blockSize > u32", wrap(header(t, 2, pbUint(2, 1<<32))), "4294967296 above the maximum"},
		{"codec > u32", wrap(header(t, 4, pbUint(4, 1<<32))), "codec (field 4)"},
		{"blockSize 0", wrap(header(t, 2, pbUint(2, 0))), "block size 0"},
		{"blockSize 200 MiB", wrap(header(t, 2, pbUint(2, 200<<20))), "block size 209715200"},
		{"version 1 (CIDv0)", wrap(header(t, 6, pbUint(6, 1))), "version 1, want 2"},
		{"version 0 (CIDvIncorrect)", wrap(header(t, 6, pbUint(6, 0))), "version 0, want 2"},
		{"tree garbage", wrap(header(t, 1, pbBytes(1, []byte{1, 2, 3}))), "treeCid"},
		{"tree trailing bytes", wrap(header(t, 1, pbBytes(1, append(parseCID(t, origTreeCID).Bytes(), 0)))), "trailing bytes"},
		{"tree block codec", wrap(header(t, 1, pbBytes(1, cids.Block(nil).Bytes()))), "codec 0xcd02"},
		{"tree identity hash", wrap(header(t, 1, pbBytes(1, identityCID(t, cids.CodecTree, "x").Bytes()))), "want sha2-256"},
		{"filename twice", wrap(h, pbBytes(7, []byte("a")), pbBytes(7, []byte("b"))), "field 7 (erasure info or filename) (field 7): repeated"},
		{"mimetype as varint", wrap(h, pbUint(9, 1)), "mimetype (field 9): wire type 0"},
		{"bad erasure, field 9 set", wrap(h, pbBytes(7, erasureInfo(t, 1, nil)), pbBytes(9, []byte("a/b"))), "field 9 says nim-codex layout, but field 7: erasure info: ecK (field 1) missing"},
		{"field 7 neither", wrap(h, pbBytes(7, erasureInfo(t, 3, pbBytes(3, []byte{0x01, 0x83, 0x9a})))), "neither a filename (not UTF-8) nor erasure info: originalTreeCid"},
		{"erasure K = 0", wrap(h, pbBytes(7, erasureInfo(t, 1, pbUint(1, 0)))), "K=0"},
		{"erasure K+M > 65536", wrap(h, pbBytes(7, erasureInfo(t, 2, pbUint(2, 65534)))), "K+M"},
		{"erasure strategy 2", wrap(h, pbBytes(7, erasureInfo(t, 5, pbUint(5, 2)))), "protectedStrategy (field 5): 2 above the maximum 1"},
		{"erasure original tree block codec", wrap(h, pbBytes(7, erasureInfo(t, 3, pbBytes(3, cids.Block(nil).Bytes())))), "neither a filename"},
		{"verification without slots", verif(root, pbUint(3, 2048), pbUint(4, 0)), "slotRoots (field 2) missing"},
		{"verification without root", verif(slot, pbUint(3, 2048), pbUint(4, 0)), "verifyRoot (field 1) missing"},
		{"verification bad slot", verif(root, slot, pbBytes(2, []byte{0x12}), pbUint(3, 2048), pbUint(4, 0)), "slot root 1"},
		{"verification CIDv0 root", verif(pbBytes(1, cids.Block(nil).Hash()), slot, pbUint(3, 2048), pbUint(4, 0)), "CIDv0"},
		{"verification strategy 5", verif(root, slot, pbUint(3, 2048), pbUint(4, 5)), "verifiableStrategy"},
		{"verification packed slots", verif(root, pbUint(2, 1), pbUint(3, 2048), pbUint(4, 0)), "slotRoots (field 2): wire type 0"},
		{"over 64 KiB", wrap(h, pbBytes(10, make([]byte, manifest.MaxEncodedSize))), "more than 65536"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, err := manifest.Decode(tc.in)
			if !errors.Is(err, manifest.ErrMalformed) || !strings.Contains(err.Error(), tc.want) ||
				!strings.HasPrefix(err.Error(), "manifest: malformed: ") {
				t.Errorf("Decode(%x) = %v, want ErrMalformed containing %q", tc.in, err, tc.want)
			}
			if m != nil {
				t.Errorf("Decode(%x) = %+v with an error, want nil", tc.in, m)
			}
		})
	}
}

func TestDecodeLenient(t *testing.T) {
	h := header(t, 0, nil)
	wrap := func(parts ...[]byte) []byte { return pbBytes(1, cat(parts...)) }
	for _, tc := range []struct {
		name           string
		in             []byte
		layout         manifest.Layout
		filename, mime string
		canonical      bool // re-encoding gives the input back
	}{
		{"none", wrap(h), manifest.Layout2026, "", "", true},
		{"2026 both", wrap(h, pbBytes(7, []byte("a.txt")), pbBytes(8, []byte("text/plain"))), manifest.Layout2026, "a.txt", "text/plain", true},
		{"2026 filename", wrap(h, pbBytes(7, []byte("a.txt"))), manifest.Layout2026, "a.txt", "", true},
		{"2026 mimetype", wrap(h, pbBytes(8, []byte("text/plain"))), manifest.Layout2026, "", "text/plain", true},
		{"codex both", wrap(h, pbBytes(8, []byte("a.txt")), pbBytes(9, []byte("text/plain"))), manifest.LayoutCodex, "a.txt", "text/plain", true},
		{"codex filename", wrap(h, pbBytes(8, []byte("a.txt"))), manifest.LayoutCodex, "a.txt", "", true},
		{"codex mimetype", wrap(h, pbBytes(9, []byte("text/plain"))), manifest.LayoutCodex, "", "text/plain", true},
		{"codex filename with / and mimetype", wrap(h, pbBytes(8, []byte("a/b")), pbBytes(9, []byte("x/y"))), manifest.LayoutCodex, "a/b", "x/y", true},
		{"empty strings are absent", wrap(h, pbBytes(7, nil), pbBytes(8, nil), pbBytes(9, nil)), manifest.Layout2026, "", "", false},
		{"empty field 7, codex filename", wrap(h, pbBytes(7, nil), pbBytes(8, []byte("a.txt"))), manifest.LayoutCodex, "a.txt", "", false},
		{"unknown fields skipped", cat(wrap(h, pbUint(10, 1700000000), pbBytes(11, []byte{0xff}), []byte{0x61, 1, 2, 3, 4, 5, 6, 7, 8}, []byte{0x6d, 1, 2, 3, 4}), pbUint(2, 9)),
			manifest.Layout2026, "", "", false},
		{"fields out of order", wrap(pbUint(6, 2), header(t, 6, nil)), manifest.Layout2026, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, l, err := manifest.Decode(tc.in)
			if err != nil {
				t.Fatalf("Decode(%x) = %v, want nil", tc.in, err)
			}
			if l != tc.layout || m.Filename != tc.filename || m.Mimetype != tc.mime {
				t.Errorf("Decode(%x) = %v %q %q, want %v %q %q", tc.in, l, m.Filename, m.Mimetype, tc.layout, tc.filename, tc.mime)
			}
			if m.DatasetSize != origSize || m.BlockSize != 65536 || m.Protected() {
				t.Errorf("Decode(%x) = %+v, want 300000 bytes in 64 KiB blocks", tc.in, m)
			}
			enc, err := m.Encode(l)
			if err != nil {
				t.Fatalf("Encode(%v) = %v", l, err)
			}
			if bytes.Equal(enc, tc.in) != tc.canonical {
				t.Errorf("Encode(%v) = %x, input %x, want equal %v", l, enc, tc.in, tc.canonical)
			}
		})
	}
}

// TestUpstream2026View reads a protected manifest the way the 2026 decoder
// does (getField 7 and 8 as strings, other numbers skipped) to pin down
// what doc.go says a 2026 node sees.
func TestUpstream2026View(t *testing.T) {
	m := protectedManifest(t)
	enc, err := m.Encode(manifest.LayoutCodex)
	if err != nil {
		t.Fatal(err)
	}
	f7, f8 := upstreamGetString(t, enc, 7), upstreamGetString(t, enc, 8)
	if want := pbBytes(7, erasureInfo(t, 0, nil)); !bytes.Equal(pbBytes(7, f7), want) {
		t.Errorf("2026 filename = %x, want the ErasureInfo bytes %x", f7, want)
	}
	if string(f8) != m.Filename {
		t.Errorf("2026 mimetype = %q, want the v0.2 filename %q", f8, m.Filename)
	}
}

// upstreamGetString mimics minprotobuf getField(header, num, string): the
// last length-delimited field num, anything else skipped.
func upstreamGetString(t *testing.T, enc []byte, num int) []byte {
	t.Helper()
	// Outer: 0a <len> header; the test manifests are < 16 KiB, two-byte
	// length at most.
	hdr := enc[2:]
	if enc[1]&0x80 != 0 {
		hdr = enc[3:]
	}
	var out []byte
	for len(hdr) > 0 {
		key, n := uvarint(hdr)
		hdr = hdr[n:]
		switch key & 7 {
		case 0:
			_, n = uvarint(hdr)
			hdr = hdr[n:]
		case 2:
			l, n := uvarint(hdr)
			if int(key>>3) == num {
				out = hdr[n : n+int(l)]
			}
			hdr = hdr[n+int(l):]
		default:
			t.Fatalf("wire type %d", key&7)
		}
	}
	return out
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i, c := range b {
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, len(b)
}
