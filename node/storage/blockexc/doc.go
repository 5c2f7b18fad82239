// Package blockexc serves and fetches Logos Storage datasets over the 2026
// block-exchange protocol (/storage/blockexc/1.0.0, ID) and the manifest
// protocol (/storage/manifest/1.0.0, ManifestID). Frames and messages are
// encoded by the sub-package wire.
//
// # Usage
//
//	x, err := blockexc.New(host, store, blockexc.WithLogger(log), blockexc.WithHasher(h))
//	if err != nil {
//		return err
//	}
//	defer x.Close()
//	// x now serves every dataset committed to store.
//	err = x.Fetch(ctx, peerID, manifestCID, blockexc.WithProgress(func(p blockexc.Progress) {
//		fmt.Printf("%d/%d blocks\n", p.Blocks, p.TotalBlocks)
//	}))
//	err = x.FetchFrom(ctx, manifestCID, providers) // several providers
//
// # Serving
//
// New registers the stream handlers. On a block-exchange stream the
// server answers:
//   - want-have entries with a presence for each dataset it holds whole
//     (Complete for a range inside the dataset, HaveRange for a single
//     block or the part of a range inside it, DontHave when asked to);
//   - WantBlocks requests with the blocks asked for (at most
//     wire.MaxBlocksPerBatch and what fits one response), each with its
//     Merkle proof against the dataset tree. The tree is built from the
//     store's block list (the blocks' digests are the leaves) on first
//     use, checked against the dataset's tree CID, and cached
//     (WithTreeCache).
//
// It answers on the stream the message came on. A frame over a wire limit,
// of an unknown type or that does not decode resets the stream; other
// streams are not affected. Manifest requests are answered from the store
// (NotFound for unknown or malformed CIDs, as upstream does).
//
// # Fetching
//
// Fetch gets the manifest, checks it against its CID and validates it,
// asks each provider want-have, then requests the blocks in batches on
// several streams per provider (WithStreams, WithBatchBytes), checks every
// block's CID and proof, stages the blocks in one store batch and commits
// the dataset atomically at the end. See FetchFrom for the errors.
//
// # Lifecycle
//
// New serves at once; Close removes the handlers, resets open streams,
// ends Fetch calls and waits for every goroutine the Exchange owns (stream
// handlers, Fetch workers and control-stream readers).
//
// # Compatibility notes (Logos Storage 2026, storage/blockexchange/)
//
// Byte layouts and limits are upstream's (see wire). The request flow
// follows engine.nim and network/networkpeer.nim: a want-have range query
// with a downloadId, WantBlocks requests carrying the missing indices as
// coalesced ranges, answers on the request's stream, validation of every
// block (CID hash, proof index, proof to the tree root) and dropping a
// peer that sends a bad block. Differences:
//   - the batch is 1 MiB (DefaultBatchBytes) where upstream asks for 128
//     KiB (wire.TargetBatchBytes); both fit the response limits;
//   - the server leaves out blocks that would overflow a response where
//     upstream drops the whole response, and sends Complete presences
//     (upstream's server sends only HaveRange and DontHave, its client
//     understands all three) and DontHave for unknown trees when asked;
//   - presences are answered on the stream of the want list; upstream
//     answers on its own stream to the peer (both read any frame on any
//     stream, and Fetch accepts presences from either);
//   - only the first presence window (1 GiB of 64 KiB blocks) is asked
//     about; availability is not tracked per range, a provider that lacks
//     blocks answers without them and they are retried elsewhere;
//   - no availability broadcasts, swarm scoring or batch-size adaptation,
//     and no Mix transport.
//
// # Sources
//
// Read for the request flow (logos-storage/logos-storage-nim, 2026 tree,
// files as stored in the code index): storage/blockexchange/engine/engine.nim
// @0996131 (wantListHandler, WantBlocks request handler, batch requests and
// validateBlockDeliveryView), network/network.nim @5174a23 (one protocol
// handler, per-peer send stream, presence sending), protocol/wantblocks.nim
// @0996131 and protocol/constants.nim @7016170 (limits, response size
// checks), engine/downloadcontext.nim @0996131 (presence window, batch
// size via utils computeBatchSize), engine/advertiser.nim @192b0f8
// (manifest CIDs advertised), storage/manifest/protocol.nim @2938172; and
// network/networkpeer.nim from the fork fryorcraken/logos-storage-nim
// @b866949 (frame read loop: requests answered on their stream, responses
// matched by request ID). The upstream mirror's master (bd49591f) still
// holds the v0.2 codex/ tree.
package blockexc
