// Package membership keeps the RLN v2 membership set: the depth-20 Merkle
// tree of rate commitments, the window of recently accepted roots that the
// relay validator checks proofs against, and the Merkle path of our own
// membership that the prover needs.
//
// # Sources of members
//
// A [Group] is the in-memory set. It is filled either from a static
// membership file ([LoadStaticFile], for private networks and tests; the
// format is documented on [ParseStatic]) or from the Waku RLN v2 membership
// contract by the syncer in the onchain subpackage, which persists
// checkpoints so that a restart resumes in seconds.
//
// # Usage
//
//	g, err := membership.NewGroup()
//	if err := membership.LoadStaticFile(g, "members.json"); err != nil {
//		return err // names the member and line that is wrong
//	}
//	v, _ := rlnrelay.New(rlnrelay.Options{})
//	go membership.FeedRoots(ctx, g, v) // v.AddRoot for every new root
//	idx, ok := g.IndexOf(rln.RateCommitment(id.Commitment, limit))
//	path, root, err := g.Proof(idx)
//
// # Roots
//
// Every batch of changes ([Group.Apply]; the syncer applies one batch per
// block) yields one root, so the window holds the roots at the ends of the
// last [DefaultRootWindow] blocks that changed the set — the roots a peer
// polling the contract's root() (as nwaku does) can have built its proof on.
package membership
