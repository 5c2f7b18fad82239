package ec_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/ec"
)

func TestScrub(t *testing.T) {
	ctx := context.Background()
	// B=13 K=4 M=3: steps 4, rounded 16, padding 13..15, parity 16..27.
	f := newFixture(t, 21, 13*testBlockSize-10, 4, 3)
	opts := testOptions(t)
	opts.BatchBytes = 2 * 7 * testBlockSize // two columns per batch

	// Column 0: data 4 corrupt, parity 16 corrupt. Column 1: data 1,
	// parity 21 and 25 missing (M losses). Column 2: parity 18 corrupt.
	// Column 3: intact. And the empty block itself is missing.
	for _, i := range []int{4, 16, 18} {
		f.disk.corruptOnDisk(t, f.list[i])
	}
	lost := []int{1, 21, 25}
	for _, i := range lost {
		f.store.hide(f.list[i])
	}
	f.store.hide(cids.EmptyBlock)

	rep, err := ec.Scrub(ctx, f.store, f.pc, opts)
	if err != nil {
		t.Fatalf("Scrub = %v", err)
	}
	want := ec.Report{Columns: 4, Checked: 28 - 3 + 1, Missing: 4, Corrupt: 3, Repaired: 7}
	if !equalReports(rep, want) {
		t.Errorf("Scrub = %+v, want %+v", rep, want)
	}
	for _, i := range append(lost, 4, 16, 18) {
		checkStored(t, f.store, f.list[i:i+1])
		checkStored(t, f.disk, f.list[i:i+1])
	}
	if b, err := f.store.Get(ctx, cids.EmptyBlock); err != nil || len(b) != 0 {
		t.Errorf("empty block after Scrub: %d bytes, %v", len(b), err)
	}

	rep, err = ec.Scrub(ctx, f.store, f.pc, opts)
	if want := (ec.Report{Columns: 4, Checked: 26}); err != nil || !equalReports(rep, want) {
		t.Errorf("second Scrub = %+v, %v; want %+v", rep, err, want)
	}

	// Column 3 loses M+1: data 3 and 7, parity 19 and 23; column 0 loses
	// one more (data 8), which is still repaired.
	for _, i := range []int{3, 7, 19} {
		f.store.hide(f.list[i])
	}
	f.disk.corruptOnDisk(t, f.list[23])
	f.disk.corruptOnDisk(t, f.list[8])
	rep, err = ec.Scrub(ctx, f.store, f.pc, opts)
	var ce *ec.ColumnError
	if !errors.Is(err, ec.ErrUnrecoverable) || errors.As(err, &ce) {
		t.Errorf("Scrub = %v, want ErrUnrecoverable (and no single ColumnError)", err)
	}
	t.Logf("Scrub error: %v", err)
	want = ec.Report{Columns: 4, Checked: 26, Missing: 3, Corrupt: 2, Repaired: 1, Unrecoverable: []int{3}, LostBlocks: 4}
	if !equalReports(rep, want) {
		t.Errorf("Scrub = %+v, want %+v", rep, want)
	}
	checkStored(t, f.disk, f.list[8:9])
	if _, err := ec.ReadBlock(ctx, f.store, f.pc, 3, opts); !errors.As(err, &ce) || ce.Column != 3 {
		t.Errorf("ReadBlock(3) = %v, want column 3 unrecoverable", err)
	}
}

func equalReports(a, b ec.Report) bool {
	return a.Columns == b.Columns && a.Checked == b.Checked && a.Missing == b.Missing && a.Corrupt == b.Corrupt &&
		a.Repaired == b.Repaired && a.LostBlocks == b.LostBlocks && slices.Equal(a.Unrecoverable, b.Unrecoverable)
}
