package blockexc

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/cairn-node/cairn/accel/merkle"
	"github.com/cairn-node/cairn/node/storage"
	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

// Progress is how far a Fetch has come.
type Progress struct {
	// Blocks counts the blocks received, verified and staged so far, of
	// TotalBlocks.
	Blocks, TotalBlocks uint64
	// Bytes is the data of those blocks (padding of the last one
	// included).
	Bytes uint64
}

// FetchOption configures one Fetch.
type FetchOption func(*fetchConfig)

type fetchConfig struct {
	progress func(Progress)
}

// WithProgress calls f after every batch of blocks staged. Calls are
// serialized but come from Fetch's goroutines: f must be quick and must
// not call into the Exchange.
func WithProgress(f func(Progress)) FetchOption {
	return func(c *fetchConfig) { c.progress = f }
}

// Fetch downloads dataset m from peer p into the store; see FetchFrom.
func (e *Exchange) Fetch(ctx context.Context, p peer.ID, m cid.Cid, opts ...FetchOption) error {
	return e.FetchFrom(ctx, m, []peer.ID{p}, opts...)
}

// FetchFrom downloads the dataset whose manifest CID is m from the
// providers (which must be reachable: connected, or with addresses in the
// peerstore) and commits it to the store in one atomic step. It returns
// nil at once when the dataset is already stored.
//
// It fetches the manifest over ManifestID from the first provider that
// has it and checks it against m. It sends each provider a want-have for
// the dataset and drops those that answer DontHave. Then it asks the
// others for the blocks in batches of WantBlocks requests (WithStreams
// streams per provider, one request in flight on each), checks every
// block against its CID and its Merkle proof against the manifest's tree,
// stages them in one store batch and commits the dataset when all are
// there. A provider that sends a block that fails a check, or a frame
// that breaks the protocol, is not asked again; its batches go to the
// others.
//
// Errors: ErrInvalidManifest; ErrNotProvided when no provider has the
// manifest or the dataset; ErrInvalidBlock when every remaining provider
// sent bad blocks; ErrUnavailable when blocks could not be had from any
// provider after the allowed attempts; the store's errors
// (storage.ErrQuotaExceeded); ErrClosed; ctx's error. On error nothing of
// the dataset is visible in the store.
func (e *Exchange) FetchFrom(ctx context.Context, m cid.Cid, providers []peer.ID, opts ...FetchOption) error {
	if !e.enter() {
		return ErrClosed
	}
	defer e.leave()
	var fc fetchConfig
	for _, o := range opts {
		o(&fc)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(e.ctx, cancel)
	defer stop()

	err := e.fetch(ctx, m, providers, &fc)
	e.met.fetches.WithLabelValues(fetchResult(err)).Inc()
	if err != nil && e.ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", ErrClosed, err)
	}
	return err
}

func (e *Exchange) fetch(ctx context.Context, m cid.Cid, providers []peer.ID, fc *fetchConfig) error {
	if err := cids.Check(m, cids.CodecManifest); err != nil {
		return fmt.Errorf("blockexc: fetch: manifest CID: %w", err)
	}
	if len(providers) == 0 {
		return fmt.Errorf("blockexc: fetch %s: no providers given", cids.String(m))
	}
	if _, err := e.store.Dataset(ctx, m); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("blockexc: fetch %s: %w", cids.String(m), err)
	}
	mb, man, err := e.fetchManifest(ctx, m, providers)
	if err != nil {
		return err
	}
	d, err := e.newDownload(m, mb, man, fc)
	if err != nil {
		return err
	}
	if err := d.run(ctx, providers); err != nil {
		return fmt.Errorf("blockexc: fetch %s: %w", cids.String(m), err)
	}
	return nil
}

// fetchManifest asks the providers in turn for manifest m.
// FetchManifest asks the providers in turn for manifest m over ManifestID
// and returns the first answer that hashes to m and validates, encoded and
// decoded. Nothing is stored. Errors: ErrClosed, ctx's error, or an error
// joining each provider's failure.
func (e *Exchange) FetchManifest(ctx context.Context, m cid.Cid, providers []peer.ID) ([]byte, *manifest.Manifest, error) {
	if !e.enter() {
		return nil, nil, ErrClosed
	}
	defer e.leave()
	return e.fetchManifest(ctx, m, providers)
}

func (e *Exchange) fetchManifest(ctx context.Context, m cid.Cid, providers []peer.ID) ([]byte, *manifest.Manifest, error) {
	var errs []error
	for _, p := range providers {
		mb, man, err := e.requestManifest(ctx, p, m)
		if err == nil {
			return mb, man, nil
		}
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		e.log.Debug("manifest request failed", "peer", p, "manifest", cids.String(m), "err", err)
		errs = append(errs, err)
	}
	return nil, nil, fmt.Errorf("blockexc: fetch manifest %s: %w", cids.String(m), errors.Join(errs...))
}

// requestManifest fetches manifest m from p and checks it.
func (e *Exchange) requestManifest(ctx context.Context, p peer.ID, m cid.Cid) ([]byte, *manifest.Manifest, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.manifestTimeout)
	defer cancel()
	s, err := e.h.NewStream(ctx, p, ManifestID)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: open stream: %w", p, err)
	}
	if !e.track(s) {
		return nil, nil, ErrClosed
	}
	defer e.untrack(s)
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(dl)
	}
	if err := wire.WriteManifestRequest(s, m); err != nil {
		s.Reset()
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	_ = s.CloseWrite()
	status, data, err := wire.ReadManifestResponse(s)
	if err != nil {
		s.Reset()
		return nil, nil, fmt.Errorf("%s: %w", p, err)
	}
	s.Close()
	if status == wire.ManifestNotFound {
		return nil, nil, fmt.Errorf("%w: %s has no manifest %s", ErrNotProvided, p, cids.String(m))
	}
	want, _ := cids.Digest(m) // m was checked by fetch
	if sha256.Sum256(data) != want {
		return nil, nil, fmt.Errorf("%w: %s sent bytes that do not hash to %s", ErrInvalidManifest, p, cids.String(m))
	}
	man, _, err := manifest.Decode(data)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: from %s: %w", ErrInvalidManifest, p, err)
	}
	if err := man.Validate(); err != nil {
		return nil, nil, fmt.Errorf("%w: from %s: %w", ErrInvalidManifest, p, err)
	}
	return data, man, nil
}

// download is one Fetch of a dataset's blocks.
type download struct {
	e        *Exchange
	id       uint64 // want-have downloadId
	m        cid.Cid
	mbytes   []byte
	man      *manifest.Manifest
	tree     cid.Cid
	root     [32]byte
	n        uint64 // blocks in the tree
	perBatch int
	// maxResponse bounds the payload of a response to one batch.
	maxResponse int
	progress    func(Progress)
	sched       sched

	// mu guards the batch (which is not safe for concurrent use) and
	// what has been staged in it.
	mu     sync.Mutex
	batch  storage.Batch
	blocks []cid.Cid // block CIDs in leaf order; Undef until staged
	got    uint64
	bytes  uint64
}

func (e *Exchange) newDownload(m cid.Cid, mb []byte, man *manifest.Manifest, fc *fetchConfig) (*download, error) {
	root, err := cids.Digest(man.TreeCID)
	if err != nil {
		return nil, fmt.Errorf("%w: tree CID: %w", ErrInvalidManifest, err)
	}
	n := man.BlocksCount()
	bs := int(man.BlockSize)
	// A batch holds at least one block, at most MaxBlocksPerBatch, and
	// always fits a response with its proofs.
	per := blockFixedSize + maxCIDSize + proofHeaderSize + wire.MaxProofDepth*proofNodeSize + bs
	perBatch := max(1, min(e.cfg.batchBytes/bs, wire.MaxBlocksPerBatch,
		(wire.MaxWantBlocksResponseSize-4-metaFixedSize-maxCIDSize)/per))
	d := &download{
		e:        e,
		id:       rand.Uint64(),
		m:        m,
		mbytes:   mb,
		man:      man,
		tree:     man.TreeCID,
		root:     root,
		n:        n,
		perBatch: perBatch,
		progress: fc.progress,
		maxResponse: min(wire.MaxWantBlocksResponseSize,
			4+metaFixedSize+maxCIDSize+perBatch*per),
	}
	d.sched.init(n, uint64(perBatch), e.cfg.maxAttempts)
	return d, nil
}

// run fetches the blocks and commits the dataset.
func (d *download) run(ctx context.Context, providers []peer.ID) error {
	e := d.e
	sp, err := e.store.Space()
	if err != nil {
		return err
	}
	if d.n > MaxDatasetBlocks {
		return fmt.Errorf("%w: %d blocks, Cairn fetches at most %d", storage.ErrQuotaExceeded, d.n, MaxDatasetBlocks)
	}
	need := d.n * uint64(d.man.BlockSize) // no overflow: both are bounded
	if sp.QuotaMaxBytes > 0 && need > sp.QuotaMaxBytes-min(sp.QuotaMaxBytes, sp.QuotaUsedBytes+sp.QuotaReservedBytes) {
		return fmt.Errorf("%w: dataset needs %d bytes", storage.ErrQuotaExceeded, need)
	}
	d.batch = e.store.NewBatch()
	defer d.batch.Discard() // after the commit it does nothing
	d.blocks = make([]cid.Cid, d.n)

	active, controls, err := d.askPresence(ctx, providers)
	defer func() {
		for _, c := range controls {
			c.s.Close()
		}
	}()
	if err != nil {
		return err
	}
	e.log.Debug("fetching dataset", "manifest", cids.String(d.m), "blocks", d.n, "providers", active, "batch", d.perBatch)
	d.sched.activate(active)

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range active {
		for range e.cfg.streams {
			wg.Go(func() { d.worker(wctx, p) })
		}
	}
	wg.Wait()
	if err := d.sched.result(); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return err
	}
	if err := d.batch.CommitDataset(ctx, storage.NewDataset{Manifest: d.m, ManifestBytes: d.mbytes, Tree: d.tree, Blocks: d.blocks}); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	// Serve it at once; the tree costs n/2 compressions.
	t, err := newServedTree(d.m, d.tree, d.man.BlockSize, d.blocks, e.comp)
	if err != nil {
		t = nil // cannot happen: every block was proven against the root
	}
	e.trees.add(d.m, d.tree, t)
	return nil
}

// askPresence sends each provider a want-have for the dataset's first
// presence window on a control stream and waits (up to the presence
// timeout) for the answers. It returns the providers to ask for blocks:
// those that answered Complete or HaveRange, and those that did not
// answer in time. The control streams stay open (answers from upstream
// peers may come on streams they open instead); the caller closes them.
func (d *download) askPresence(ctx context.Context, providers []peer.ID) ([]peer.ID, []*conn, error) {
	e := d.e
	ch := e.subs.subscribe(d.id, len(providers))
	defer e.subs.unsubscribe(d.id)
	ctx, cancel := context.WithTimeout(ctx, e.cfg.presenceTimeout)
	defer cancel()

	want := &wire.Message{WantList: wire.WantList{Entries: []wire.Entry{{
		Address:      wire.Address{TreeCID: d.tree},
		Priority:     1,
		WantType:     wire.WantHave,
		SendDontHave: true,
		RangeCount:   min(d.n, presenceWindow),
		DownloadID:   d.id,
	}}}}
	conns := make([]*conn, len(providers))
	errs := make([]error, len(providers))
	var wg sync.WaitGroup
	for i, p := range providers {
		wg.Go(func() {
			c, err := e.openStream(ctx, p)
			if err == nil {
				if err = c.writeMessage(want); err != nil {
					c.s.Reset()
					e.untrack(c.s)
				}
			}
			if err != nil {
				errs[i] = err
				return
			}
			conns[i] = c
			go func() { // owned through track: Close waits for it
				defer e.untrack(c.s)
				e.serve(c)
			}()
		})
	}
	wg.Wait()

	state := map[peer.ID]wire.PresenceKind{}
	waiting := 0
	var controls []*conn
	for i, p := range providers {
		if conns[i] != nil {
			controls = append(controls, conns[i])
			if _, dup := state[p]; !dup {
				waiting++
			}
			state[p] = -1 // no answer yet
		}
	}
wait:
	for waiting > 0 {
		select {
		case pr := <-ch:
			if k, ok := state[pr.from]; ok && k == -1 && pr.p.Address.TreeCID == d.tree {
				state[pr.from] = pr.p.Kind
				waiting--
			}
		case <-ctx.Done():
			break wait
		}
	}
	var active []peer.ID
	for i, p := range providers {
		k, ok := state[p]
		switch {
		case !ok:
			if errs[i] != nil {
				errs[i] = fmt.Errorf("%s: %w", p, errs[i])
			}
		case k == wire.DontHave:
			errs[i] = fmt.Errorf("%w: %s does not have dataset %s", ErrNotProvided, p, cids.String(d.m))
		case !slices.Contains(active, p):
			if k == -1 {
				e.log.Debug("no presence answer; asking for blocks anyway", "peer", p)
			}
			active = append(active, p)
		}
	}
	if len(active) == 0 {
		if err := ctx.Err(); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			return nil, controls, err
		}
		return nil, controls, errors.Join(errs...)
	}
	return active, controls, nil
}

// openStream opens a block-exchange stream to p, tracked for Close; the
// caller must untrack it once it is closed or reset.
func (e *Exchange) openStream(ctx context.Context, p peer.ID) (*conn, error) {
	s, err := e.h.NewStream(ctx, p, ID)
	if err != nil {
		return nil, fmt.Errorf("open stream to %s: %w", p, err)
	}
	if !e.track(s) {
		return nil, ErrClosed
	}
	return newConn(s, e.cfg.writeTimeout), nil
}

// worker asks provider p for batches on one stream until the download
// ends or p is dropped.
func (d *download) worker(ctx context.Context, p peer.ID) {
	e := d.e
	var c *conn
	var nextID uint64
	// One response buffer per worker: a response is staged (copied into
	// the store batch) before the next request.
	buf := make([]byte, d.maxResponse)
	drop := func(reset bool) {
		if c == nil {
			return
		}
		if reset {
			c.s.Reset()
		} else {
			c.s.Close()
		}
		e.untrack(c.s)
		c = nil
	}
	defer drop(false)
	for {
		sp := d.sched.next(ctx, p)
		if sp == nil {
			return
		}
		if c == nil {
			sctx, cancel := context.WithTimeout(ctx, e.cfg.requestTimeout)
			var err error
			c, err = e.openStream(sctx, p)
			cancel()
			if err != nil {
				if !d.retry(ctx, sp, p, err) {
					return
				}
				continue
			}
		}
		nextID++
		resp, err := d.request(ctx, c, nextID, sp, buf)
		if err == nil {
			var missing []uint64
			var got uint64
			if got, missing, err = d.accept(ctx, p, sp, resp); err == nil {
				d.sched.done(sp, p, got, missing)
				continue
			}
			if !errors.Is(err, ErrInvalidBlock) {
				d.sched.abort(err) // the store failed
				return
			}
		}
		if errors.Is(err, ErrInvalidBlock) {
			e.log.Warn("dropping provider", "peer", p, "manifest", cids.String(d.m), "err", err)
			d.sched.ban(sp, p, err)
			drop(true)
			return
		}
		drop(true)
		if !d.retry(ctx, sp, p, err) {
			return
		}
	}
}

// retry hands sp back after p failed it, and returns false (after failing
// the download) when the failure is the download's own end: ctx done or
// the Exchange closed.
func (d *download) retry(ctx context.Context, sp *span, p peer.ID, err error) bool {
	if cerr := ctx.Err(); cerr != nil {
		d.sched.abort(cerr)
		return false
	}
	if errors.Is(err, ErrClosed) {
		d.sched.abort(err)
		return false
	}
	d.sched.retry(sp, p, err)
	return true
}

// request sends one WantBlocks request on c and returns its answer.
// Errors wrapping ErrInvalidBlock mean the peer broke the protocol.
func (d *download) request(ctx context.Context, c *conn, id uint64, sp *span, buf []byte) (*wire.WantBlocksResponse, error) {
	req := wire.WantBlocksRequest{RequestID: id, TreeCID: d.tree, Ranges: toRanges(sp.idx)}
	payload, err := wire.EncodeWantBlocksRequest(&req)
	if err != nil {
		return nil, fmt.Errorf("blockexc: BUG: encode request: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { c.s.Reset() })
	defer stop()
	if err := c.write(wire.TypeWantBlocksRequest, payload); err != nil {
		return nil, err
	}
	if err := c.s.SetReadDeadline(time.Now().Add(d.e.cfg.requestTimeout)); err != nil {
		return nil, err
	}
	for {
		typ, payload, err := c.readInto(buf)
		if err != nil {
			if errors.Is(err, wire.ErrMalformed) || errors.Is(err, wire.ErrTooLarge) {
				return nil, fmt.Errorf("%w: %w", ErrInvalidBlock, err)
			}
			return nil, fmt.Errorf("read from %s: %w", c.peer, err)
		}
		if typ != wire.TypeWantBlocksResponse {
			if err := d.e.handleFrame(c, typ, payload); err != nil {
				return nil, fmt.Errorf("%w: %w", ErrInvalidBlock, err)
			}
			continue
		}
		resp, err := wire.DecodeWantBlocksResponse(payload)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidBlock, err)
		}
		if resp.RequestID != id {
			return nil, fmt.Errorf("%w: answer to request %d, asked %d", ErrInvalidBlock, resp.RequestID, id)
		}
		return &resp, nil
	}
}

// accept checks the blocks of resp (each in span sp, hashing to its CID,
// proven at its index against the dataset root) and stages them. It
// returns how many blocks were new and the indices of sp that resp lacks.
// A failed check returns an error wrapping ErrInvalidBlock and stages
// nothing; a store error is returned as is.
func (d *download) accept(ctx context.Context, p peer.ID, sp *span, resp *wire.WantBlocksResponse) (uint64, []uint64, error) {
	bad := func(format string, args ...any) (uint64, []uint64, error) {
		d.e.met.invalidBlocks.Inc()
		return 0, nil, fmt.Errorf("%w: %s: "+format, append([]any{ErrInvalidBlock, p}, args...)...)
	}
	if resp.TreeCID != d.tree {
		return bad("answer for tree %s", cids.String(resp.TreeCID))
	}
	seen := make([]bool, len(sp.idx))
	data := make([][]byte, len(resp.Blocks))
	want := make([][32]byte, len(resp.Blocks))
	for i := range resp.Blocks {
		b := &resp.Blocks[i]
		j, ok := slices.BinarySearch(sp.idx, b.Index)
		if !ok || seen[j] {
			return bad("block %d was not asked for", b.Index)
		}
		seen[j] = true
		if err := cids.Check(b.CID, cids.CodecBlock); err != nil {
			return bad("block %d: %w", b.Index, err)
		}
		if len(b.Data) > int(d.man.BlockSize) {
			return bad("block %d has %d bytes, block size %d", b.Index, len(b.Data), d.man.BlockSize)
		}
		want[i], _ = cids.Digest(b.CID)
		data[i] = b.Data
	}
	got := make([][32]byte, len(data))
	if err := d.e.hasher.SumBlocks(got, data); err != nil {
		return 0, nil, fmt.Errorf("hash blocks: %w", err)
	}
	for i := range resp.Blocks {
		b := &resp.Blocks[i]
		if got[i] != want[i] {
			return bad("block %d does not hash to its CID %s", b.Index, cids.String(b.CID))
		}
		if err := d.verifyProof(b, got[i]); err != nil {
			return bad("block %d: %w", b.Index, err)
		}
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	var added uint64
	for i := range resp.Blocks {
		b := &resp.Blocks[i]
		if d.blocks[b.Index].Defined() {
			continue
		}
		if err := d.batch.Put(ctx, b.CID, b.Data); err != nil {
			return 0, nil, fmt.Errorf("stage block %d: %w", b.Index, err)
		}
		d.blocks[b.Index] = b.CID
		d.got++
		d.bytes += uint64(len(b.Data))
		added++
		d.e.met.receivedBlocks.Inc()
		d.e.met.receivedBytes.Add(float64(len(b.Data)))
	}
	var missing []uint64
	for j, ok := range seen {
		if !ok {
			missing = append(missing, sp.idx[j])
		}
	}
	if d.progress != nil && added > 0 {
		d.progress(Progress{Blocks: d.got, TotalBlocks: d.n, Bytes: d.bytes})
	}
	return added, missing, nil
}

// verifyProof checks that b's proof leads from leaf digest to the root.
func (d *download) verifyProof(b *wire.Block, leaf [32]byte) error {
	pr := b.Proof
	switch {
	case pr == nil:
		return errors.New("no proof")
	case pr.Codec != hashCodecSHA256:
		return fmt.Errorf("proof hash codec 0x%x, want sha2-256", pr.Codec)
	case pr.Index != b.Index:
		return fmt.Errorf("proof for index %d", pr.Index)
	case pr.Leaves != d.n:
		return fmt.Errorf("proof for a tree of %d leaves, manifest has %d", pr.Leaves, d.n)
	}
	path := make([][32]byte, len(pr.Path))
	for i, node := range pr.Path {
		if len(node) != 32 {
			return fmt.Errorf("proof node %d of %d bytes", i, len(node))
		}
		path[i] = [32]byte(node)
	}
	ok, err := merkle.Verify(d.e.comp, leaf, int(b.Index), int(d.n), path, d.root)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("proof does not lead to the dataset root")
	}
	return nil
}

// toRanges turns sorted indices into runs.
func toRanges(idx []uint64) []wire.Range {
	var rs []wire.Range
	for _, i := range idx {
		if n := len(rs); n > 0 && rs[n-1].Start+rs[n-1].Count == i {
			rs[n-1].Count++
			continue
		}
		rs = append(rs, wire.Range{Start: i, Count: 1})
	}
	return rs
}

// presence is a block presence and the peer it came from.
type presence struct {
	from peer.ID
	p    wire.BlockPresence
}

// presenceSubs routes received presences to the download that asked, by
// download ID, whichever stream they come on.
type presenceSubs struct {
	mu sync.Mutex
	m  map[uint64]chan presence
}

func (s *presenceSubs) subscribe(id uint64, providers int) chan presence {
	ch := make(chan presence, 4*providers+16)
	s.mu.Lock()
	s.m[id] = ch
	s.mu.Unlock()
	return ch
}

func (s *presenceSubs) unsubscribe(id uint64) {
	s.mu.Lock()
	delete(s.m, id)
	s.mu.Unlock()
}

// deliver hands ps to their subscribers; a full subscriber loses them.
func (s *presenceSubs) deliver(from peer.ID, ps []wire.BlockPresence) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		if ch := s.m[p.DownloadID]; ch != nil {
			select {
			case ch <- presence{from, p}:
			default:
			}
		}
	}
}

func fetchResult(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}
