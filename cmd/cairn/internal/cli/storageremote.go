package cli

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/cmd/cairn/internal/progress"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/storage/client"
)

// apiFlag is --api of the storage commands that talk to a running node.
type apiFlag struct{ addr string }

func (a *apiFlag) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.addr, "api", "", "HOST:PORT or URL of the node's API (default: api_addr of the config)")
}

// client returns a client of the node named by --api, else by the config.
func (a *apiFlag) client(env *Env, g *globals) (*client.Client, error) {
	if a.addr != "" {
		return client.New(a.addr, ""), nil
	}
	cfg, err := g.loadConfig(env, config.Config{})
	if err != nil {
		return nil, err
	}
	return client.New(cfg.EnsureDefaults(env.Getenv).APIAddr, ""), nil
}

// countingReader counts the bytes read through it for a progress bar.
type countingReader struct {
	r   io.Reader
	n   atomic.Uint64
	bar *progress.Bar
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.bar.Set(c.n.Add(uint64(n)))
	return n, err
}

func exactlyOne(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageError{fmt.Errorf("%s takes one %s argument, got %d", cmd.CommandPath(), what, len(args))}
		}
		return nil
	}
}

func newStorageUploadCmd(env *Env, g *globals) *cobra.Command {
	var (
		api    apiFlag
		opt    client.UploadOptions
		noName bool
		ecSpec string
	)
	cmd := &cobra.Command{
		Use:   "upload FILE",
		Short: "Upload FILE to the running node and print its manifest CID",
		Args:  exactlyOne("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if ecSpec != "" {
				if _, err := fmt.Sscanf(ecSpec, "%d,%d", &opt.ECK, &opt.ECM); err != nil || opt.ECK < 1 || opt.ECM < 1 {
					return usageError{fmt.Errorf("--ec %q: want K,M such as 10,4", ecSpec)}
				}
			}
			c, err := api.client(env, g)
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("storage upload: %w", err)
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return fmt.Errorf("storage upload: %w", err)
			}
			if opt.Filename == "" && !noName {
				opt.Filename = st.Name()
			}
			bar := progress.New(env.Stderr, "upload", uint64(st.Size()))
			mc, err := c.Upload(cmd.Context(), &countingReader{r: f, bar: bar}, opt)
			if err != nil {
				return fmt.Errorf("storage upload %s: %w", args[0], err)
			}
			bar.Done()
			_, err = fmt.Fprintln(env.Stdout, mc)
			return err
		},
	}
	api.register(cmd)
	cmd.Flags().StringVar(&opt.Filename, "filename", "", "file name to record (default: FILE's base name)")
	cmd.Flags().BoolVar(&noName, "no-filename", false, "record no file name")
	cmd.Flags().StringVar(&opt.Mimetype, "mimetype", "", "MIME type to record")
	cmd.Flags().IntVar(&opt.BlockSize, "block-size", 0, "block size (default 64 KiB)")
	cmd.Flags().StringVar(&ecSpec, "ec", "", "erasure-code with K data and M parity blocks per codeword, as K,M (e.g. 10,4)")
	return cmd
}

func newStorageDownloadCmd(env *Env, g *globals) *cobra.Command {
	var (
		api apiFlag
		out string
	)
	cmd := &cobra.Command{
		Use:   "download CID",
		Short: "Download a dataset from the running node (to stdout, or -o FILE)",
		Args:  exactlyOne("CID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := api.client(env, g)
			if err != nil {
				return err
			}
			body, size, err := c.Download(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("storage download: %w", err)
			}
			defer body.Close()
			w := env.Stdout
			var f *os.File
			if out != "" && out != "-" {
				// Write beside the target and rename on success, so an
				// interrupted download never leaves a truncated file under
				// the final name.
				f, err = os.CreateTemp(dirOf(out), ".cairn-download-*")
				if err != nil {
					return fmt.Errorf("storage download: %w", err)
				}
				defer os.Remove(f.Name())
				defer f.Close()
				w = f
			}
			total := uint64(0)
			if size > 0 {
				total = uint64(size)
			}
			bar := progress.New(env.Stderr, "download", total)
			if _, err := io.Copy(w, &countingReader{r: body, bar: bar}); err != nil {
				return fmt.Errorf("storage download %s: %w", args[0], err)
			}
			bar.Done()
			if f != nil {
				if err := f.Close(); err != nil {
					return fmt.Errorf("storage download: %w", err)
				}
				if err := os.Rename(f.Name(), out); err != nil {
					return fmt.Errorf("storage download: %w", err)
				}
			}
			return nil
		},
	}
	api.register(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")
	return cmd
}

// dirOf returns the directory of path, "." for a bare name.
func dirOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if os.IsPathSeparator(path[i]) {
			return path[:i+1]
		}
	}
	return "."
}

func newStorageLsCmd(env *Env, g *globals) *cobra.Command {
	var api apiFlag
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List the datasets stored on the running node",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := api.client(env, g)
			if err != nil {
				return err
			}
			list, err := c.List(cmd.Context())
			if err != nil {
				return fmt.Errorf("storage ls: %w", err)
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "CID\tSIZE\tNAME\tTYPE\tEC")
			for _, d := range list {
				ec := "-"
				if d.Manifest.Protected {
					ec = "yes"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.CID, progress.Bytes(d.Manifest.DatasetSize), d.Manifest.Filename, d.Manifest.Mimetype, ec)
			}
			return tw.Flush()
		},
	}
	api.register(cmd)
	return cmd
}

func newStorageRmCmd(env *Env, g *globals) *cobra.Command {
	var api apiFlag
	cmd := &cobra.Command{
		Use:   "rm CID",
		Short: "Delete a dataset (or block) from the running node",
		Args:  exactlyOne("CID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := api.client(env, g)
			if err != nil {
				return err
			}
			if err := c.Delete(cmd.Context(), args[0]); err != nil {
				return fmt.Errorf("storage rm: %w", err)
			}
			return nil
		},
	}
	api.register(cmd)
	return cmd
}

func newStorageSpaceCmd(env *Env, g *globals) *cobra.Command {
	var api apiFlag
	cmd := &cobra.Command{
		Use:   "space",
		Short: "Show the running node's storage quota",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := api.client(env, g)
			if err != nil {
				return err
			}
			s, err := c.Space(cmd.Context())
			if err != nil {
				return fmt.Errorf("storage space: %w", err)
			}
			_, err = fmt.Fprintf(env.Stdout, "blocks    %d\nused      %s\nreserved  %s\nquota     %s\n",
				s.TotalBlocks, progress.Bytes(s.QuotaUsedBytes), progress.Bytes(s.QuotaReservedBytes), progress.Bytes(s.QuotaMaxBytes))
			return err
		},
	}
	api.register(cmd)
	return cmd
}
