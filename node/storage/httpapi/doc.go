// Package httpapi serves the Logos Storage REST API of a Cairn node over a
// storage.Store: the same paths and JSON shapes as logos-storage-nim,
// mounted under /api/storage/v1 (2026) and /api/codex/v1 (older clients).
//
// Routes (relative to the prefix):
//
//	POST   /data                 upload the body; 200 text/plain manifest CID
//	GET    /data                 {"content":[{"cid":…,"manifest":{…}}]}
//	GET    /data/{cid}           download a dataset (HTTP Range supported) or one block
//	GET    /data/{cid}/exists    {"<cid>": true|false}
//	DELETE /data/{cid}           204; a dataset or a block
//	GET    /space                {"totalBlocks",…,"quotaReservedBytes"}
//
// Uploads stream: the body is chunked, hashed in batches through the accel
// SHA-256 kernel and staged block by block in one store batch, and the
// dataset becomes visible in a single atomic commit, so memory stays flat
// for any file size and a crash never shows half a dataset. Downloads read
// blocks in batches, each verified against its CID.
//
// Errors are JSON, {"error": "…"}, with 400 for a malformed CID or
// parameter, 404 for an unknown CID, 416 for an unsatisfiable range, 422
// for a bad filename or MIME type, 507 when the quota is exceeded. The
// network routes (/data/{cid}/network…) arrive with block exchange.
package httpapi
