package membership

import (
	"context"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// RootAdder takes accepted roots one by one, oldest first;
// *rlnrelay.Validator implements it with AddRoot.
type RootAdder interface {
	AddRoot(root fr.Element)
}

// PushRoots gives dst the roots of src added after sequence number seq
// (0: the whole window) and returns the sequence number to pass next time.
func PushRoots(src Source, dst RootAdder, seq uint64) uint64 {
	roots, next := src.RootsSince(seq)
	for _, r := range roots {
		dst.AddRoot(r)
	}
	return next
}

// FeedRoots keeps dst's roots in step with src: it pushes the current
// window, then every root src accepts, until ctx is done; it returns
// ctx.Err(). Run it in its own goroutine, owned by whoever owns dst.
//
// A validator that only has AddRoot cannot forget roots: after a reorg or
// a Reset, the roots of the abandoned branch stay acceptable in dst until
// newer roots push them out of its window.
func FeedRoots(ctx context.Context, src Source, dst RootAdder) error {
	ch, cancel := src.Subscribe()
	defer cancel()
	seq := PushRoots(src, dst, 0)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
			seq = PushRoots(src, dst, seq)
		}
	}
}
