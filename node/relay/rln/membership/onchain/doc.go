// Package onchain connects a membership.Group to the Waku RLN v2
// membership contract (waku-org/waku-rlnv2-contract, WakuRlnV2): it
// registers memberships and syncs the tree from the contract's events.
//
// # Events and leaves
//
// register(uint256 idCommitment, uint32 rateLimit, uint256[] idCommitmentsToErase)
// emits MembershipRegistered(uint256 idCommitment, uint256
// membershipRateLimit, uint32 index); the contract inserts the leaf
// Poseidon(idCommitment, rateLimit) (rln.RateCommitment) at index, a new
// index or one freed by an erasure. The event carries the id commitment and
// the limit, not the rate commitment: the syncer hashes them.
// MembershipErased(uint256 idCommitment, uint32 membershipRateLimit, uint32
// index) leaves the leaf in the contract's tree (lazy erasure) unless the
// call was eraseMemberships(ids, true); see [Syncer]. Earlier WakuRlnV2
// versions emitted MemberRegistered(uint256 rateCommitment, uint32 index)
// instead, with the leaf itself; the syncer reads both.
//
// Current nwaku (waku_rln_relay/group_manager/on_chain) no longer builds
// the tree from events: it polls the contract's root() every 5 s, keeps the
// last 50 roots, and fetches its own path with getMerkleProof(uint40). The
// syncer here builds the tree locally instead, which works with any
// contract that emits these events (the root-less test contract too) and
// gives proofs without an RPC call per root change.
//
// # Usage
//
//	client, err := ethclient.DialContext(ctx, rpcURL)
//	chainID, err := client.ChainID(ctx)
//	start, err := onchain.DeployedBlock(ctx, client, addr)
//	g, _ := membership.NewGroup()
//	s, err := onchain.NewSyncer(client, g, onchain.Config{
//		ChainID: chainID.Uint64(), Contract: addr, StartBlock: start,
//		CheckpointPath: filepath.Join(dataDir, onchain.CheckpointFileName(chainID.Uint64(), addr)),
//	})
//	go s.Run(ctx) // g follows the chain; a checkpoint every 30 s and on exit
//
//	reg, err := onchain.Register(ctx, client, addr, ethKey, chainID, id, 20)
//
// Reorgs: the syncer stays Confirmations blocks behind the head, journals
// the last ReorgDepth blocks, and on a changed block hash undoes the
// journaled blocks back to the fork (or, beyond the journal, starts over
// from StartBlock).
package onchain
