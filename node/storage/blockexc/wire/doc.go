// Package wire encodes and decodes the messages of the Logos Storage 2026
// block-exchange protocol (/storage/blockexc/1.0.0) and of the manifest
// protocol (/storage/manifest/1.0.0). It does no networking: every function
// works on byte slices, an io.Reader or an io.Writer.
//
// # Block exchange
//
// A block-exchange stream carries frames: a u32 little-endian length L
// (type byte plus payload), one type byte, then L-1 payload bytes.
//
//	TypeControl            protobuf Message: want lists and block presences
//	TypeWantBlocksRequest  binary WantBlocksRequest: tree CID and index ranges
//	TypeWantBlocksResponse binary WantBlocksResponse: metadata, then block data
//
// Writing:
//
//	p, err := wire.EncodeMessage(&wire.Message{WantList: wl})
//	err = wire.WriteFrame(stream, wire.TypeControl, p)
//
// Reading:
//
//	fr := wire.NewFrameReader(stream)
//	typ, payload, err := fr.ReadFrame()
//	switch typ {
//	case wire.TypeControl:
//		m, err := wire.DecodeMessage(payload)
//	case wire.TypeWantBlocksRequest:
//		req, err := wire.DecodeWantBlocksRequest(payload)
//	case wire.TypeWantBlocksResponse:
//		resp, err := wire.DecodeWantBlocksResponse(payload)
//	}
//
// # Manifest protocol
//
// One request and one response per stream: WriteManifestRequest /
// ReadManifestRequest and WriteManifestResponse / ReadManifestResponse.
//
// # Errors
//
// Decoders never panic on input. A peer's bytes that break the format give
// an error wrapping ErrMalformed; a length or count over a protocol limit
// gives an error wrapping ErrTooLarge, returned before anything of that size
// is allocated. Encoders return the same errors for values a peer would
// reject, so whatever they encode decodes again.
//
// # Sources
//
// Byte layouts and limits follow logos-storage-nim (2026 tree):
// storage/blockexchange/protocol/{message,wantblocks,constants}.nim,
// storage/blockexchange/network/networkpeer.nim (frame loop) and
// storage/manifest/protocol.nim, with the control message encoded by
// nim-protobuf-serialization (proto2, every required field always written,
// fields in ascending order). The encoder reproduces every fixture of the
// upstream contract test tests/storage/blockexchange/protocol/testwireformat.nim
// (testdata/upstream-wireformat.json).
package wire

import "errors"

// Protocol IDs, as negotiated by multistream-select.
const (
	// ProtocolBlockExchange is the 2026 block-exchange protocol: framed
	// control messages and WantBlocks requests/responses on one stream.
	ProtocolBlockExchange = "/storage/blockexc/1.0.0"
	// ProtocolManifest fetches one manifest block by CID: one request and
	// one response per stream.
	ProtocolManifest = "/storage/manifest/1.0.0"
)

// Errors wrapped by every decoder (and by encoders given values a peer would
// reject); check them with errors.Is.
var (
	// ErrMalformed: the bytes break the format (truncated, bad wire type,
	// missing required field, invalid CID, unknown enum value, trailing
	// bytes).
	ErrMalformed = errors.New("wire: malformed")
	// ErrTooLarge: a length or count is over a protocol limit.
	ErrTooLarge = errors.New("wire: too large")
)

// Protocol limits (upstream storage/blockexchange/protocol/constants.nim,
// storage/storagetypes.nim and storage/manifest/protocol.nim).
const (
	// MaxControlSize is the largest control (protobuf) payload: 16 MiB.
	MaxControlSize = 16 << 20
	// MaxWantListEntries caps the entries decoded from one Message.
	MaxWantListEntries = 1024
	// MaxBlockPresences caps the block presences decoded from one Message.
	MaxBlockPresences = 1024

	// MinBlockSize and MaxBlockSize bound a dataset's block size.
	MinBlockSize = 4 << 10
	MaxBlockSize = 512 << 10
	// TargetBatchBytes is the data a WantBlocks batch aims for.
	TargetBatchBytes = 128 << 10
	// MaxBlocksPerBatch caps the blocks in one WantBlocksResponse (32).
	MaxBlocksPerBatch = TargetBatchBytes / MinBlockSize
	// MaxWantBlocksRequestSize is the largest request payload (1280 bytes):
	// room for the worst-case sparse batch of MaxBlocksPerBatch/2 ranges.
	MaxWantBlocksRequestSize = MaxBlocksPerBatch/2*rangeSize + 1024
	// MaxMetadataSize caps the metadata part of a response: 4 MiB.
	MaxMetadataSize = 4 << 20
	// MaxWantBlocksResponseSize is the largest response payload:
	// 4 + MaxMetadataSize + TargetBatchBytes.
	MaxWantBlocksResponseSize = 4 + MaxMetadataSize + TargetBatchBytes
	// MaxProofDepth caps the sibling path of a block proof.
	MaxProofDepth = 64

	// MaxManifestCIDSize caps the CID of a manifest request (512 bytes).
	MaxManifestCIDSize = 512
	// MaxManifestSize caps the manifest bytes of a response: 64 KiB.
	MaxManifestSize = 64 << 10
)
