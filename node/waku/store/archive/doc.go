// Package archive is the node's Waku message archive: the messages relayed
// on the node's shards, kept in pebble for the store protocol (WAKU2-STORE,
// /vac/waku/store-query/3.0.0) to serve. It does what nwaku's waku_archive
// does (waku/waku_archive/archive.nim with its sqlite and postgres drivers),
// with the same rules for what is stored, the same ordering and paging, and
// the same retention policies.
//
// # Usage
//
//	a, err := archive.Open(archive.Options{Dir: dir, Retention: ret, Registerer: reg})
//	if err != nil { … }
//	defer a.Close()
//	a.Start() // retention every 30 minutes, and sooner when over capacity
//
//	sub, _ := rly.Subscribe("/waku/2/rs/1/0")
//	go a.Run(ctx, sub) // archives every relayed message until ctx ends
//
//	page, err := a.Query(ctx, archive.Query{PubsubTopic: "/waku/2/rs/1/0",
//		ContentTopics: []string{"/app/1/chat/proto"}, IncludeData: true, Forward: true})
//	// page.Entries in time order; page.Cursor non-nil when more match
//
// # What is stored
//
// Add stores a message unless it is ephemeral (ErrEphemeral), its
// timestamp is more than Options.MaxClockDrift (20 s) away from the local
// clock (ErrTimestampOutOfRange; a zero timestamp is therefore refused, as
// in nwaku), or a message with the same deterministic hash is already there
// (ErrDuplicate). As in nwaku's databases, the RLN proof is not kept and the
// ephemeral flag is always false, so a stored message encodes without its
// rate_limit_proof; its hash does not change, since neither is hashed.
//
// # Ordering and paging
//
// Entries are ordered by message timestamp, then by hash (byte order):
// forward is ascending, backward descending. A page holds at most
// MaxPageSize entries (DefaultPageSize when the query asks for 0); its
// cursor is the hash of the last entry returned in the direction of travel
// and is set only when more entries match. Entries of a page are always in
// ascending order, whatever the direction. Time bounds are inclusive at both
// ends, as in nwaku's drivers (the WAKU2-STORE text makes the end exclusive;
// nwaku does not).
//
// # Layout on disk
//
// Dir is a pebble database. Keys start with one byte:
//
//	'm' ‖ ts ‖ hash              → record: pubsub topic, content topic, receive time, encoded message
//	'h' ‖ hash                   → ts (deduplication, cursors, hash lookups)
//	't' ‖ len ‖ pubsub topic ‖ ts ‖ hash → nothing (scans of one shard)
//	's'                          → message count and logical size
//
// ts is the message timestamp as 8 big-endian bytes with the sign bit
// flipped, so that byte order is numeric order. Every Add and every pruning
// step is one pebble batch committed with Sync: after a crash a message is
// either there with all its keys and counted, or not at all.
//
// # Retention
//
// Options.Retention takes nwaku's --store-message-retention-policy
// (ParseRetention: "time:<seconds>", "capacity:<count>", "size:<n>mb|gb"),
// with nwaku's hysteresis: time deletes what is older than the limit once
// the oldest entry is 10% past it; capacity lets the count grow to 130% of
// the limit and then deletes the oldest down to 115%; size deletes the
// oldest entries down to 80% of the limit. Size counts the logical bytes of
// keys and records, not the files pebble keeps on disk (compaction reclaims
// deleted entries later).
//
// # Concurrency
//
// All methods are safe for concurrent use. Adds are serialised; queries
// read a consistent view and do not block them.
package archive
