package membership

import (
	"errors"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// DefaultRootWindow is how many recent roots a [Group] accepts: nwaku's
// AcceptableRootWindowSize (waku/waku_rln_relay/constants.nim), the same
// value as rlnrelay.DefaultRootWindow.
const DefaultRootWindow = 50

// ErrNotMember is returned by [Group.Proof] for an index whose leaf is empty.
var ErrNotMember = errors.New("membership: no member at this index")

// Source is what the relay validator and our own prover read from the
// membership set. Implementations are safe for concurrent use; every method
// returns values the caller owns.
type Source interface {
	// Root returns the current root (the root of the empty tree before
	// the first member).
	Root() fr.Element
	// Roots returns the accepted roots, oldest first and the current root
	// last; at most the window size, and empty before the first change.
	Roots() []fr.Element
	// RootsSince returns the accepted roots that were added after the
	// root with sequence number seq (0: all of the window), oldest first,
	// and the sequence number of the newest root. Roots are numbered
	// 1, 2, 3, … in the order they were accepted; a Reset keeps counting.
	// If more than a window's worth was added, only the window comes back.
	RootsSince(seq uint64) ([]fr.Element, uint64)
	// Proof returns the Merkle path of the member at index and the root
	// it leads to. It fails with [ErrNotMember] for an empty leaf and with
	// rln.ErrLeafIndex for an index outside the tree.
	Proof(index uint64) (rln.MerkleProof, fr.Element, error)
	// IndexOf returns the index of the leaf rateCommitment (see
	// rln.RateCommitment); if it appears more than once (a lazily
	// erased membership registered again) the one set last.
	IndexOf(rateCommitment fr.Element) (uint64, bool)
	// Subscribe returns a channel that receives a value after each change
	// of the set (notifications coalesce: one value may stand for several
	// changes) and a function that ends the subscription. The channel is
	// never closed; stop reading after calling cancel.
	Subscribe() (<-chan struct{}, func())
}

// Member is one leaf of the tree.
type Member struct {
	// Index is the leaf index, below rln.Capacity.
	Index uint64
	// RateCommitment is the leaf: rln.RateCommitment(idCommitment,
	// userMessageLimit). The zero element is an empty leaf.
	RateCommitment fr.Element
}

// Change sets one leaf; a zero RateCommitment erases it.
type Change = Member

var _ Source = (*Group)(nil)
