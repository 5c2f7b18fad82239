// Package manifest encodes and decodes Logos Storage (and nim-codex v0.2)
// dataset manifests byte for byte as upstream does, so that a manifest
// built by Cairn has the same CID as the one an upstream node builds for
// the same dataset.
//
// # Usage
//
//	m := manifest.New(treeCID, manifest.DefaultBlockSize, size)
//	m.Filename, m.Mimetype = "data.bin", "application/octet-stream"
//	if err := m.Validate(); err != nil { … }
//	c, encoded, err := m.CID(m.DefaultLayout()) // zDvZRwzm…
//
//	m, layout, err := manifest.Decode(encoded) // errors wrap ErrMalformed
//
// Values of this package are plain data; nothing is shared or retained, and
// concurrent use of distinct values is safe.
//
// # Encoding
//
// Upstream encodes with nim-libp2p's minprotobuf: fields in ascending
// order, varints for integers (scalars written even when zero),
// length-delimited bytes, strings and submessages, repeated fields not
// packed. The outer message has one field, 1 = the header:
//
//	1 treeCid  2 blockSize  3 datasetSize  4 codec (0xCD02)
//	5 hcodec (0x12)  6 version (2: nim-libp2p's CidVersion ordinal of CIDv1)
//	Layout2026:  7 filename  8 mimetype
//	LayoutCodex: 7 ErasureInfo (protected only)  8 filename  9 mimetype
//
// Filename and mimetype are written only when non-empty. ErasureInfo is
// 1 ecK, 2 ecM, 3 originalTreeCid, 4 originalDatasetSize,
// 5 protectedStrategy, 6 VerificationInfo (1 verifyRoot, 2 slotRoots…,
// 3 cellSize, 4 verifiableStrategy). Manifest.Version holds the CID
// version itself (1); only the wire holds 2.
//
// # Erasure-coded manifests
//
// Logos Storage 2026 removed erasure coding and has no header field for it.
// Cairn writes protected manifests in LayoutCodex, byte-identical to what
// nim-codex v0.2 writes for the same dataset (hence the same manifest CID);
// Encode(Layout2026) of a protected manifest fails with ErrLayout, and
// DefaultLayout picks LayoutCodex for it.
//
// What a 2026 node does with such a manifest (read in
// codex-storage/nim-codex storage/manifest/coders.nim @ab413bdf, and in
// nim-libp2p libp2p/protobuf/minprotobuf.nim @aa8ce46f, the version
// logos-storage-nim @bd49591f vendors, same behaviour at @12f25f0 of 2026):
// its decoder asks getField(7, filename: string),
// which accepts any length-delimited field without UTF-8 checks, so it
// parses without error but takes the raw ErasureInfo bytes as the
// filename, the v0.2 filename (field 8) as the mimetype, and never asks
// for field 9. It does not call verify and sees an unprotected dataset
// whose datasetSize includes padding and parity. A download from such a
// node would append padding and parity to the file, and its
// Content-Disposition would carry binary bytes.
//
// The alternative, erasure info in an unused high field with filename and
// mimetype at 7/8, would give 2026 nodes the right filename and mimetype
// (minprotobuf skips unknown field numbers) but still the wrong size, and it
// would break the only nodes that understand erasure coding: a v0.2 node
// reads field 7 as its ErasureInfo, so a filename there turns into a bogus
// protected manifest that then fails to decode. It would also be a
// format no upstream node writes, so its manifest CIDs would match nobody's.
// LayoutCodex keeps full interop with v0.2 (the only nodes that can use the
// parity) and parseability by 2026 nodes; the cost is the garbled
// filename and mimetype they show.
//
// The reverse holds for plain datasets: a v0.2 node reads a Layout2026
// filename in field 7 as its ErasureInfo and fails to decode the manifest,
// so manifests meant for v0.2 nodes must be written in LayoutCodex (without
// filename and mimetype the two layouts are the same bytes).
//
// # Decoding
//
// Decode accepts both layouts, fields in any order, and skips unknown field
// numbers (as minprotobuf does; they are dropped on re-encoding). It is
// stricter than minprotobuf where no upstream encoder could have produced
// the input: a known field with the wrong wire type or given twice is an
// error (minprotobuf skips the former and keeps the last of the latter);
// fields 1–6 and ErasureInfo fields 1–5 are required (minprotobuf would
// leave zeros); the tree CIDs must be CIDv1(0xCD03, sha2-256) and the
// version must be 2 (CIDv1). Like minprotobuf it refuses overlong and
// truncated varints and uint32 fields above 2^32-1.
//
// # Layout detection
//
// The layouts differ only in fields 7–9; empty fields count as absent.
//
//  1. Field 7 that parses as an ErasureInfo: LayoutCodex, protected.
//  2. Otherwise field 7 present: Layout2026 filename (then 8 = mimetype).
//     It must be UTF-8 and field 9 must be absent, or Decode fails.
//  3. Otherwise field 9 present: LayoutCodex (8 filename, 9 mimetype).
//  4. Otherwise a lone field 8 without '/': LayoutCodex filename
//     (upstream REST refuses '/' in filenames via Nim's isValidFilename).
//  5. Otherwise: Layout2026 (a lone field 8 is a type/subtype mimetype;
//     with no optional fields the bytes are the same in both layouts).
//
// Rules 1 and 2 cannot collide: an ErasureInfo holds a 0xCD03 CID, whose
// bytes 01 83 are never valid UTF-8. Rules 4 and 5 are a heuristic: a v0.2
// filename with '/' and no mimetype, or a 2026 mimetype without '/' and no
// filename, is read in the other layout. Manifests that pass Validate are
// detected in the layout they were encoded in, except that one without
// filename, mimetype and erasure info (the same bytes in both layouts)
// reads as Layout2026. For any manifest Decode accepts, re-encoding in the
// detected layout decodes to the same manifest and layout. A 2026 filename
// that is not UTF-8 (upstream does not check) is refused.
package manifest
