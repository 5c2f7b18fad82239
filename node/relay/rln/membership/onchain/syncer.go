package onchain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cairn-node/cairn/node/relay/rln/membership"
)

// Defaults of [Config].
const (
	// DefaultBatchBlocks is how many blocks one eth_getLogs call covers;
	// a call the provider refuses is retried over half the range.
	DefaultBatchBlocks = 2000
	// DefaultConfirmations is how far behind the head the syncer stays,
	// so that shallow reorgs never reach the tree.
	DefaultConfirmations = 3
	// DefaultReorgDepth is how many blocks back the journal reaches: a
	// deeper reorg makes the syncer start over from Config.StartBlock.
	DefaultReorgDepth = 64
	// DefaultPollInterval is the wait between rounds once synced (nwaku
	// polls the contract's root every 5 s).
	DefaultPollInterval = 5 * time.Second
	// DefaultCheckpointInterval is the most time between two checkpoint
	// writes while the syncer makes progress.
	DefaultCheckpointInterval = 30 * time.Second
)

// Backend is the part of an Ethereum JSON-RPC client the syncer reads;
// *ethclient.Client and simulated.Client implement it. Its methods must be
// safe for concurrent use.
type Backend interface {
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	FilterLogs(ctx context.Context, q ethereum.FilterQuery) ([]types.Log, error)
	TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, isPending bool, err error)
	CallContract(ctx context.Context, call ethereum.CallMsg, blockNumber *big.Int) ([]byte, error)
}

// Config configures a [Syncer]. Zero values mean the defaults above.
type Config struct {
	// ChainID and Contract identify the membership contract (required:
	// Contract must not be the zero address). ChainID only keys the
	// checkpoint; the syncer does not ask the node for it.
	ChainID  uint64
	Contract common.Address
	// StartBlock is the first block scanned: the contract's deployment
	// block (WakuRlnV2.deployedBlockNumber). Default 0.
	StartBlock uint64
	// BatchBlocks, Confirmations, ReorgDepth, PollInterval and
	// CheckpointInterval default to the constants above. Confirmations 0
	// needs NoConfirmations, since 0 means the default.
	BatchBlocks        uint64
	Confirmations      uint64
	NoConfirmations    bool
	ReorgDepth         uint64
	PollInterval       time.Duration
	CheckpointInterval time.Duration
	// CheckpointPath is the checkpoint file (see CheckpointFileName);
	// empty means no checkpoints: every start syncs from StartBlock.
	CheckpointPath string
	// Logger defaults to slog.Default() with subsys node/relay/rln/membership/onchain.
	Logger *slog.Logger
}

// Stats counts a syncer's work since it was created.
type Stats struct {
	FilterCalls   uint64 // eth_getLogs calls, refused ones included
	BlocksScanned uint64 // blocks covered by successful eth_getLogs calls
	Applied       uint64 // events that changed the tree
	Skipped       uint64 // malformed or inconsistent events, logged and ignored
	Reorgs        uint64 // rollbacks, full resyncs included
	// RootMismatches counts rounds after which the tree's root differed
	// from the contract's root() at the same block (each is logged as an
	// error; contracts without root() are not checked).
	RootMismatches uint64
}

// Syncer fills a membership.Group from the contract's MembershipRegistered
// and MembershipErased events (and the MemberRegistered events of earlier
// contract versions), one tree update (one new root) per block
// that has events, and keeps a checkpoint so a restart resumes where it
// stopped. Its methods are safe for concurrent use; rounds are serialized.
//
// Erasures follow the contract: the tree leaf of an erased membership stays
// (lazy erasure, what register and eraseMemberships(ids) do) unless the
// transaction called eraseMemberships(ids, true), which zeroes it. The
// syncer reads the transaction to tell the two apart, so an erasure sent
// through another contract counts as lazy.
//
// The Group must be the syncer's alone: nothing else may Apply or Reset it
// (reading is fine), since checkpoints and reorg undo assume that every
// change came from the syncer.
type Syncer struct {
	b     Backend
	g     *membership.Group
	cfg   Config
	log   *slog.Logger
	stats struct {
		filterCalls, blocks, applied, skipped, reorgs, rootMismatches atomic.Uint64
	}

	mu struct {
		sync.Mutex
		next     uint64 // first block not scanned
		lastHash common.Hash
		journal  []JournalEntry
		dirty    bool // state newer than the checkpoint on disk
		lastSave time.Time
	}
}

// NewSyncer returns a syncer that fills g. If cfg.CheckpointPath names an
// existing checkpoint of the same chain and contract, g is reset to it and
// the sync resumes after it; a corrupt checkpoint is logged and ignored (the
// sync starts over); one of another contract is an error. NewSyncer does
// not touch the network.
func NewSyncer(b Backend, g *membership.Group, cfg Config) (*Syncer, error) {
	if cfg.Contract == (common.Address{}) {
		return nil, errors.New("onchain: no membership contract address configured")
	}
	if cfg.BatchBlocks == 0 {
		cfg.BatchBlocks = DefaultBatchBlocks
	}
	if cfg.Confirmations == 0 && !cfg.NoConfirmations {
		cfg.Confirmations = DefaultConfirmations
	}
	if cfg.ReorgDepth == 0 {
		cfg.ReorgDepth = DefaultReorgDepth
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.CheckpointInterval == 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Syncer{b: b, g: g, cfg: cfg, log: cfg.Logger.With("subsys", "node/relay/rln/membership/onchain")}
	s.mu.next = cfg.StartBlock
	s.mu.lastSave = time.Now()
	if cfg.CheckpointPath == "" {
		return s, nil
	}
	c, err := LoadCheckpoint(cfg.CheckpointPath)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return s, nil
	case errors.Is(err, ErrCheckpoint):
		s.log.Warn("ignoring corrupt membership checkpoint; syncing from the start block", "err", err)
		return s, nil
	case err != nil:
		return nil, err
	}
	if c.ChainID != cfg.ChainID || c.Contract != cfg.Contract || c.StartBlock != cfg.StartBlock {
		return nil, fmt.Errorf("onchain: checkpoint %s is for chain %d contract %s from block %d, not chain %d contract %s from block %d: fix the configuration or delete the file",
			cfg.CheckpointPath, c.ChainID, c.Contract, c.StartBlock, cfg.ChainID, cfg.Contract, cfg.StartBlock)
	}
	if err := g.Reset(c.Members, c.Roots); err != nil {
		return nil, fmt.Errorf("onchain: restore checkpoint %s: %w", cfg.CheckpointPath, err)
	}
	s.mu.next, s.mu.lastHash, s.mu.journal = c.NextBlock, c.LastHash, c.Journal
	s.log.Info("membership checkpoint restored", "next_block", c.NextBlock, "members", len(c.Members))
	return s, nil
}

// Stats returns the syncer's counters.
func (s *Syncer) Stats() Stats {
	return Stats{
		FilterCalls:   s.stats.filterCalls.Load(),
		BlocksScanned: s.stats.blocks.Load(),
		Applied:       s.stats.applied.Load(),
		Skipped:       s.stats.skipped.Load(),
		Reorgs:        s.stats.reorgs.Load(),

		RootMismatches: s.stats.rootMismatches.Load(),
	}
}

// NextBlock returns the first block not yet scanned.
func (s *Syncer) NextBlock() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.next
}

// Run syncs until ctx is done: a round (see SyncOnce) every PollInterval,
// twice the wait after a failed round (the error is logged), and a final
// checkpoint on the way out. It returns ctx.Err() or the error of that
// last checkpoint write.
func (s *Syncer) Run(ctx context.Context) error {
	wait := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			if err := s.Checkpoint(); err != nil {
				return err
			}
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = s.cfg.PollInterval
		if err := s.SyncOnce(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("membership sync round failed; retrying", "err", err, "retry_in", 2*wait)
			wait *= 2
		}
	}
}

// SyncOnce runs one round: it checks the last scanned block's hash (a
// reorg rolls the tree back through the journal, or starts over when the
// journal does not reach the fork), then scans the blocks up to the head
// minus Confirmations in ranges of at most BatchBlocks, applying each
// block's events as one tree update, and writes a checkpoint when
// CheckpointInterval has passed. An RPC error ends the round early with
// what was scanned kept; the next round goes on from there.
func (s *Syncer) SyncOnce(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	applied := s.stats.applied.Load()
	defer func() { // runs before the Unlock
		if s.stats.applied.Load() != applied {
			s.checkRootLocked(ctx)
		}
	}()
	head, err := s.b.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("onchain: read chain head: %w", err)
	}
	if !head.Number.IsUint64() || head.Number.Uint64() < s.cfg.Confirmations {
		return nil
	}
	target := head.Number.Uint64() - s.cfg.Confirmations
	if s.mu.next > s.cfg.StartBlock {
		if err := s.checkReorgLocked(ctx); err != nil {
			return err
		}
	}
	for s.mu.next <= target {
		if err := s.scanLocked(ctx, s.mu.next, min(s.mu.next+s.cfg.BatchBlocks-1, target)); err != nil {
			return err
		}
		if time.Since(s.mu.lastSave) >= s.cfg.CheckpointInterval {
			if err := s.saveLocked(); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanLocked fetches the logs of [from, to] (halving the range while the
// provider refuses it) and applies them.
func (s *Syncer) scanLocked(ctx context.Context, from, to uint64) error {
	var logs []types.Log
	for {
		s.stats.filterCalls.Add(1)
		var err error
		logs, err = s.b.FilterLogs(ctx, ethereum.FilterQuery{
			FromBlock: new(big.Int).SetUint64(from),
			ToBlock:   new(big.Int).SetUint64(to),
			Addresses: []common.Address{s.cfg.Contract},
			Topics:    [][]common.Hash{{TopicRegistered, TopicErased, TopicMemberRegistered}},
		})
		if err == nil {
			break
		}
		if to == from || ctx.Err() != nil {
			return fmt.Errorf("onchain: read membership events of blocks %d-%d: %w", from, to, err)
		}
		s.log.Debug("eth_getLogs refused; halving the range", "from", from, "to", to, "err", err)
		to = from + (to-from)/2
	}
	s.stats.blocks.Add(to - from + 1)
	hdr, err := s.b.HeaderByNumber(ctx, new(big.Int).SetUint64(to))
	if err != nil {
		return fmt.Errorf("onchain: read header of block %d: %w", to, err)
	}
	blocks, err := s.decodeLocked(ctx, logs)
	if err != nil {
		return err
	}
	for _, bl := range blocks {
		s.applyBlockLocked(bl)
	}
	// A marker entry, so a reorg that only touched blocks without events
	// rolls back to here rather than to the last block with events.
	if n := len(s.mu.journal); n == 0 || s.mu.journal[n-1].Block != to {
		s.mu.journal = append(s.mu.journal, JournalEntry{Block: to, Hash: hdr.Hash()})
	}
	s.mu.next, s.mu.lastHash, s.mu.dirty = to+1, hdr.Hash(), true
	s.pruneJournalLocked()
	return nil
}

// blockEvents are the decoded, applicable events of one block.
type blockEvents struct {
	number uint64
	hash   common.Hash
	events []event
}

// decodeLocked decodes logs (skipping malformed ones with a log line) and
// resolves which erasures zero their leaf. It changes nothing, so an RPC
// error here leaves the range to be scanned again.
func (s *Syncer) decodeLocked(ctx context.Context, logs []types.Log) ([]blockEvents, error) {
	slices.SortStableFunc(logs, func(a, b types.Log) int {
		if a.BlockNumber != b.BlockNumber {
			return cmpU64(a.BlockNumber, b.BlockNumber)
		}
		return cmpU64(uint64(a.Index), uint64(b.Index))
	})
	fullErase := map[common.Hash]bool{}
	var out []blockEvents
	for _, l := range logs {
		if l.Removed || l.Address != s.cfg.Contract {
			continue
		}
		ev, err := decodeEvent(l)
		if err != nil {
			s.stats.skipped.Add(1)
			s.log.Warn("skipping malformed membership event", "block", l.BlockNumber, "tx", l.TxHash, "log_index", l.Index, "err", err)
			continue
		}
		if ev.kind == kindErased {
			full, ok := fullErase[l.TxHash]
			if !ok {
				tx, _, err := s.b.TransactionByHash(ctx, l.TxHash)
				if err != nil {
					return nil, fmt.Errorf("onchain: read erasing transaction %s: %w", l.TxHash, err)
				}
				full = isFullErase(tx.To(), s.cfg.Contract, tx.Data())
				fullErase[l.TxHash] = full
			}
			if !full {
				continue // lazy erasure: the contract's tree keeps the leaf
			}
		}
		if len(out) == 0 || out[len(out)-1].number != l.BlockNumber {
			out = append(out, blockEvents{number: l.BlockNumber, hash: l.BlockHash})
		}
		last := &out[len(out)-1]
		last.events = append(last.events, ev)
	}
	return out, nil
}

// applyBlockLocked applies one block's events as one tree update and
// journals how to undo it.
func (s *Syncer) applyBlockLocked(bl blockEvents) {
	var changes, undo []membership.Change
	cur := map[uint64]fr.Element{} // leaves as changed so far in this block
	leaf := func(i uint64) fr.Element {
		if v, ok := cur[i]; ok {
			return v
		}
		return s.g.Leaf(i)
	}
	for _, ev := range bl.events {
		rc := ev.leaf
		old := leaf(ev.index)
		next := rc
		if ev.kind == kindErased {
			if !old.Equal(&rc) {
				s.stats.skipped.Add(1)
				s.log.Warn("skipping erasure of a membership the tree does not hold", "block", bl.number, "index", ev.index)
				continue
			}
			next = fr.Element{}
		}
		undo = append(undo, membership.Change{Index: ev.index, RateCommitment: old})
		changes = append(changes, membership.Change{Index: ev.index, RateCommitment: next})
		cur[ev.index] = next
	}
	if len(changes) == 0 {
		return
	}
	if _, err := s.g.Apply(changes); err != nil {
		// decodeEvent checked every index against the capacity.
		panic("BUG: onchain: apply checked changes: " + err.Error())
	}
	s.stats.applied.Add(uint64(len(changes)))
	slices.Reverse(undo)
	s.mu.journal = append(s.mu.journal, JournalEntry{Block: bl.number, Hash: bl.hash, Undo: undo})
}

// pruneJournalLocked drops entries older than ReorgDepth blocks before the
// last scanned block.
func (s *Syncer) pruneJournalLocked() {
	last := s.mu.next - 1
	keep := 0
	for keep < len(s.mu.journal) && s.mu.journal[keep].Block+s.cfg.ReorgDepth < last {
		keep++
	}
	s.mu.journal = slices.Delete(s.mu.journal, 0, keep)
}

// checkReorgLocked compares the last scanned block's hash with the chain's
// and rolls back if they differ.
func (s *Syncer) checkReorgLocked(ctx context.Context) error {
	last := s.mu.next - 1
	h, err := s.b.HeaderByNumber(ctx, new(big.Int).SetUint64(last))
	if err != nil {
		return fmt.Errorf("onchain: read header of block %d: %w", last, err)
	}
	if h.Hash() == s.mu.lastHash {
		return nil
	}
	s.stats.reorgs.Add(1)
	// Find the newest journaled block still on the chain.
	for i := len(s.mu.journal) - 1; i >= 0; i-- {
		e := s.mu.journal[i]
		ch, err := s.b.HeaderByNumber(ctx, new(big.Int).SetUint64(e.Block))
		if err != nil {
			return fmt.Errorf("onchain: read header of block %d: %w", e.Block, err)
		}
		if ch.Hash() != e.Hash {
			continue
		}
		var undo []membership.Change
		for _, later := range slices.Backward(s.mu.journal[i+1:]) {
			undo = append(undo, later.Undo...)
		}
		if _, err := s.g.Apply(undo); err != nil {
			panic("BUG: onchain: undo journaled changes: " + err.Error())
		}
		s.mu.journal = s.mu.journal[:i+1]
		s.mu.next, s.mu.lastHash, s.mu.dirty = e.Block+1, e.Hash, true
		s.log.Warn("chain reorganized: membership tree rolled back", "to_block", e.Block, "was_at", last)
		return nil
	}
	s.log.Warn("chain reorganized deeper than the journal: syncing the membership tree from the start block", "start_block", s.cfg.StartBlock, "was_at", last)
	if err := s.g.Reset(nil, nil); err != nil {
		panic("BUG: onchain: reset to empty: " + err.Error())
	}
	s.mu.journal = nil
	s.mu.next, s.mu.lastHash, s.mu.dirty = s.cfg.StartBlock, common.Hash{}, true
	return nil
}

// checkRootLocked compares the tree's root with the contract's root() at
// the last scanned block. A failing call (no root() method, or an RPC
// error) skips the check.
func (s *Syncer) checkRootLocked(ctx context.Context) {
	if s.mu.next == 0 {
		return
	}
	block := s.mu.next - 1
	input, err := ABI.Pack("root")
	if err != nil {
		panic("BUG: onchain: pack root(): " + err.Error())
	}
	out, err := s.b.CallContract(ctx, ethereum.CallMsg{To: &s.cfg.Contract, Data: input}, new(big.Int).SetUint64(block))
	if err != nil || len(out) != 32 {
		s.log.Debug("contract root() unavailable; roots not cross-checked", "block", block, "err", err)
		return
	}
	want := new(big.Int).SetBytes(out)
	if got := s.g.Root(); want.Cmp(fieldToBig(got)) != 0 {
		s.stats.rootMismatches.Add(1)
		s.log.Error("membership tree root differs from the contract's root(): proofs on our root will be ignored by peers; delete the checkpoint to sync again, and report it",
			"block", block, "ours", membership.FormatField(got), "contract", "0x"+want.Text(16))
	}
}

// Checkpoint writes the checkpoint now if the state changed since the last
// one (and a CheckpointPath is configured).
func (s *Syncer) Checkpoint() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Syncer) saveLocked() error {
	if s.cfg.CheckpointPath == "" || !s.mu.dirty {
		return nil
	}
	c := &Checkpoint{
		ChainID:    s.cfg.ChainID,
		Contract:   s.cfg.Contract,
		StartBlock: s.cfg.StartBlock,
		NextBlock:  s.mu.next,
		LastHash:   s.mu.lastHash,
		Members:    s.g.Members(),
		Roots:      s.g.Roots(),
		Journal:    s.mu.journal,
	}
	if err := SaveCheckpoint(s.cfg.CheckpointPath, c); err != nil {
		return err
	}
	s.mu.dirty, s.mu.lastSave = false, time.Now()
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
