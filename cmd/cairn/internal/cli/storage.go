package cli

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/sha256x"
	"github.com/cairn-node/cairn/cmd/cairn/internal/progress"
	"github.com/cairn-node/cairn/node/storage/cids"
	"github.com/cairn-node/cairn/node/storage/dataset"
	"github.com/cairn-node/cairn/node/storage/manifest"
)

func newStorageCmd(env *Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "storage",
		Short: "Logos Storage datasets: hash, upload, download, list, delete",
		Long: `storage works with Logos Storage datasets. 'hash' runs locally; the other
commands talk to a running node's REST API (--api, default the api_addr of
the config).`,
	}
	cmd.AddCommand(
		newStorageHashCmd(env),
		newStorageUploadCmd(env, g),
		newStorageDownloadCmd(env, g),
		newStorageLsCmd(env, g),
		newStorageRmCmd(env, g),
		newStorageSpaceCmd(env, g),
	)
	return cmd
}

// hashOutput is the --json form of `cairn storage hash`.
type hashOutput struct {
	ManifestCID string   `json:"manifest_cid"`
	TreeCID     string   `json:"tree_cid"`
	BlockCIDs   []string `json:"block_cids"`
	BlockCount  int      `json:"block_count"`
	DatasetSize uint64   `json:"dataset_size"`
	BlockSize   int      `json:"block_size"`
	Layout      string   `json:"manifest_layout"`
}

func newStorageHashCmd(env *Env) *cobra.Command {
	var (
		filename, mimetype string
		asJSON, codex      bool
		blockSize          int
	)
	cmd := &cobra.Command{
		Use:   "hash FILE",
		Short: "Print the manifest CID, tree CID and block count of FILE without storing anything",
		Long: `hash chunks FILE into blocks exactly as a Logos Storage upload would (64 KiB
blocks, the last one zero-padded), hashes them and builds the dataset tree and
manifest, and prints the CIDs a node would give it. Nothing is stored, like
upstream's --only-hash. Use - for standard input.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("%s takes one FILE argument, got %d", cmd.CommandPath(), len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			in, total := env.Stdin, uint64(0)
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("storage hash: %w", err)
				}
				defer f.Close()
				if st, err := f.Stat(); err == nil {
					total = uint64(st.Size())
				}
				in = f
			}
			r, err := accel.DefaultRouter()
			if err != nil {
				return err
			}
			b, err := r.Pick(accel.KernelSHA256, dataset.DefaultBatchBytes)
			if err != nil {
				return err
			}
			h, err := sha256x.New(b)
			if err != nil {
				return err
			}
			bar := progress.New(env.Stderr, "hash", total)
			res, err := dataset.Chunk(cmd.Context(), in, dataset.Options{Hasher: h, BlockSize: blockSize, Progress: bar.Set}, nil)
			if err != nil {
				return fmt.Errorf("storage hash %s: %w", args[0], err)
			}
			bar.Done()
			m := manifest.New(res.TreeCID, uint32(res.BlockSize), res.Size)
			m.Filename, m.Mimetype = filename, mimetype
			layout := manifest.Layout2026
			if codex {
				layout = manifest.LayoutCodex
			}
			if err := m.Validate(); err != nil {
				return fmt.Errorf("storage hash: %w", err)
			}
			mc, _, err := m.CID(layout)
			if err != nil {
				return fmt.Errorf("storage hash: %w", err)
			}
			out := hashOutput{
				ManifestCID: cids.String(mc), TreeCID: cids.String(res.TreeCID), BlockCount: len(res.Digests),
				DatasetSize: res.Size, BlockSize: res.BlockSize, Layout: layout.String(),
			}
			if !asJSON {
				_, err := fmt.Fprintf(env.Stdout, "manifest  %s\ntree      %s\nblocks    %d × %d bytes\nsize      %d bytes\nlayout    %s\n",
					out.ManifestCID, out.TreeCID, out.BlockCount, out.BlockSize, out.DatasetSize, out.Layout)
				return err
			}
			out.BlockCIDs = make([]string, len(res.Digests))
			for i := range res.Digests {
				out.BlockCIDs[i] = cids.String(res.BlockCID(i))
			}
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		},
	}
	f := cmd.Flags()
	f.StringVar(&filename, "filename", "", "file name to record in the manifest")
	f.StringVar(&mimetype, "mimetype", "", "MIME type to record in the manifest")
	f.BoolVar(&asJSON, "json", false, "print JSON with every block CID")
	f.BoolVar(&codex, "codex", false, "use the nim-codex v0.2 manifest layout instead of Logos Storage 2026")
	f.IntVar(&blockSize, "block-size", dataset.DefaultBlockSize, "block size: a power of two from 4096 to 524288")
	return cmd
}
