package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/config"
)

func newRunCmd(env *Env, g *globals) *cobra.Command {
	var flags config.Config
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the node until SIGINT or SIGTERM",
		Long: `Run starts the node on this host and serves its HTTP API until it gets
SIGINT or SIGTERM; then it stops gracefully, removes the data directory
lock and exits 0. It prints the API URL once listening.

Every flag has a CAIRN_* environment variable and a config file key; see
'cairn config --default'.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig(env, flags)
			if err != nil {
				return err
			}
			log := newLogger(env.Stderr, cfg.Level())
			n, err := node.New(cfg, node.WithLogger(log))
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := n.Start(ctx); err != nil {
				return errors.Join(err, n.Close())
			}
			fmt.Fprintf(env.Stdout, "cairn: API listening on %s\n", n.URL())
			select {
			case <-ctx.Done():
				log.Info("shutting down", "subsys", "cmd/cairn", "cause", context.Cause(ctx))
			case <-n.Done():
			}
			return errors.Join(n.Err(), n.Close())
		},
	}
	f := cmd.Flags()
	f.StringVar(&flags.DataDir, "data-dir", "", "data `directory` (env CAIRN_DATA_DIR; default $XDG_DATA_HOME/cairn or ./.cairn)")
	f.StringVar(&flags.APIAddr, "api-addr", "", "HTTP API `host:port`, port 0 for any (env CAIRN_API_ADDR; default "+config.DefaultAPIAddr+")")
	f.StringArrayVar(&flags.Listen, "listen", nil, "libp2p listen `multiaddr`, repeatable (env CAIRN_LISTEN, comma-separated; default "+config.DefaultListen+")")
	f.StringVar(&flags.LogLevel, "log-level", "", "`level`: debug, info, warn or error (env CAIRN_LOG_LEVEL; default "+config.DefaultLogLevel+")")
	return cmd
}
