package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/bench"
)

func newBenchCmd(env *Env) *cobra.Command {
	var (
		opt      bench.Options
		out      string
		backends []string
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure every accel kernel on every backend (table, JSON and SVG)",
		Long: `bench measures each kernel × backend × size side by side, prints an aligned
table with the ratio to the go backend and to the best backend of each case,
and writes <out>/<host>-<date>.json and .svg. --quick finishes in under two
minutes on 2 cores. A progress bar goes to stderr.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, s := range backends {
				b, err := accel.ParseBackend(s)
				if err != nil {
					return usageError{err}
				}
				opt.Backends = append(opt.Backends, b)
			}
			opt.Progress = env.Stderr
			rep, err := bench.Run(cmd.Context(), opt)
			if err != nil {
				return err
			}
			if err := rep.WriteTable(env.Stdout); err != nil {
				return err
			}
			if out == "" {
				return nil
			}
			path, err := rep.Save(out)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "results: %s (chart: %s.svg)\n", path, path[:len(path)-len(".json")])
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opt.Quick, "quick", false, "the short suite (BENCH=quick)")
	f.StringVar(&opt.Filter, "filter", "", "only cases whose \"kernel params\" contains this `text`")
	f.StringSliceVar(&backends, "backend", nil, "backends to measure (go, simd, icicle; default all)")
	f.DurationVar(&opt.Duration, "duration", 0, "time per measurement round (default 1s, 200ms with --quick)")
	f.IntVar(&opt.Rounds, "rounds", 0, "rounds per measurement, best kept (default 3)")
	f.StringVar(&out, "out", "bench/results", "directory for the JSON and SVG files (empty: do not write)")
	return cmd
}
