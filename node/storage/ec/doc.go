// Package ec erasure-codes stored datasets as nim-codex v0.2 does
// (shared/specs/storage-formats.md §6), reads them back through losses,
// and repairs them.
//
// # Layout
//
// A plain dataset of B blocks coded with K data and M parity blocks per
// codeword becomes a dataset of rounded + steps·M blocks, where rounded =
// roundUp(B, K) and steps = rounded / K. Its tree leaves form K data rows
// and M parity rows of steps blocks each (see Geometry): column s is
// codeword s, with data blocks s, s+steps, …, s+(K−1)·steps (the stepped
// strategy) and parity j at rounded + s + j·steps. Data indices from B to
// rounded−1 are padding: the coder reads blockSize zero bytes there, and
// the tree and the block list hold the "empty" CID (cids.EmptyBlock, the
// sha256 of no bytes). Parity is Leopard-RS (accel/erasure with
// accel.FieldLeopard), byte-identical to the C library upstream links.
//
// # Storage
//
// Encode commits the protected dataset with its block list in tree order,
// one entry per leaf, so that list index i is tree leaf i. Padding entries
// list cids.EmptyBlock, and the empty block itself (0 bytes, as upstream
// stores hand it out) is stored once, in the same commit, because a store
// keeps every block a dataset lists. ReadBlock and Reader never read it,
// as padding content is fixed by the layout; Scrub checks it once. The
// data blocks are the plain dataset's
// (shared, not copied); only parity, the empty block and the manifest are
// new.
//
// Memory: Encode and Scrub hold one batch of whole columns, K+M blocks
// per column, as many columns as fit in Options.BatchBytes (at least
// one); a Reader holds one read-ahead batch plus, while repairing, one
// column. Encode also keeps a CID and a 32-byte digest per leaf, for the
// block list and the tree.
//
// # Repair
//
// A missing (storage.ErrNotFound) or corrupt (storage.ErrCorrupt) block is
// rebuilt from any K surviving blocks of its column, checked against the
// CID the block list gives it, and stored again with a store batch
// (storage.Batch.Commit: a loose block with a fresh expiry, as Put does,
// which is how a store repairs a corrupt block). A column with more than M
// losses fails with a *ColumnError (ErrUnrecoverable) that names it;
// nothing unchecked is ever returned.
//
// # Usage
//
//	pc, err := ec.Encode(ctx, store, plainManifest, 10, 4, ec.Options{Hasher: h})
//
//	d, err := ec.Open(ctx, store, pc, ec.Options{Hasher: h})
//	http.ServeContent(w, r, name, modTime, d.NewReader(r.Context())) // original bytes, Range works
//	blk, err := d.ReadBlock(ctx, i)                                  // tree leaf i, repaired if lost
//
//	var ce *ec.ColumnError
//	if errors.As(err, &ce) { … } // ce.Column lost more than M blocks
//
//	rep, err := ec.Scrub(ctx, store, pc, ec.Options{})
//	if errors.Is(err, ec.ErrUnrecoverable) { … } // rep.Unrecoverable lists the columns
package ec
