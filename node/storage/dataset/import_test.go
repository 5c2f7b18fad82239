package dataset_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/pebblestore"
)

// TestImport stores the 300000-byte shared vector dataset in a real store
// and expects upstream's 2026 manifest CID; a failing Check stores nothing.
func TestImport(t *testing.T) {
	ctx := context.Background()
	h := hasher(t, accel.Go)
	st, err := pebblestore.Open(ctx, pebblestore.Options{Dir: t.TempDir(), Hasher: h, MaintenanceInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	refuse := errors.New("refused")
	_, err = dataset.Import(ctx, st, bytes.NewReader(mod251(300000)), dataset.ImportOptions{
		Options: dataset.Options{Hasher: h}, Check: func(*dataset.Result) error { return refuse },
	})
	if !errors.Is(err, refuse) {
		t.Fatalf("Import with a failing Check = %v", err)
	}
	if sp, _ := st.Space(); sp.TotalBlocks != 0 || sp.QuotaReservedBytes != 0 {
		t.Fatalf("a refused import left %+v", sp)
	}
	im, err := dataset.Import(ctx, st, bytes.NewReader(mod251(300000)), dataset.ImportOptions{
		Options: dataset.Options{Hasher: h}, Filename: "data.bin", Mimetype: "application/octet-stream",
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := cids.String(im.ManifestCID); got != "zDvZRwzm9XMMkNd58s3S1C6pkAinwgLNho8CteNHNEBsJHEKriSC" {
		t.Errorf("Import manifest CID = %s, want upstream's 2026 CID of this dataset", got)
	}
	if info, err := st.Dataset(ctx, im.ManifestCID); err != nil || info.Blocks != 5 {
		t.Errorf("Dataset(%s) = %+v, %v; want 5 blocks", im.ManifestCID, info, err)
	}
}
