package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/appliance/dashboard"
	"github.com/cairn-node/cairn/appliance/dashboard/auth"
	"github.com/cairn-node/cairn/appliance/dashboard/logring"
	"github.com/cairn-node/cairn/appliance/dashboard/sysstat"
	"github.com/cairn-node/cairn/appliance/supervise"
	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/config"
)

// dashboardDir is the directory under the data directory that keeps the
// dashboard's password and token hashes.
const dashboardDir = "dashboard"

// runFlags are the flags of cairn run that are not node configuration.
type runFlags struct {
	dashboard bool // --dashboard, env CAIRN_DASHBOARD
	apiAuth   bool // --api-auth, env CAIRN_API_AUTH
}

func newRunCmd(env *Env, g *globals) *cobra.Command {
	var (
		flags config.Config
		rf    runFlags
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the node until SIGINT or SIGTERM",
		Long: `Run starts the node on this host and serves its HTTP API until it gets
SIGINT or SIGTERM; then it stops gracefully, removes the data directory
lock and exits 0. It prints the API URL once listening.

The API listener also serves the web dashboard at / (turn it off with
--dashboard=false): status, logs, API tokens and, under the Cairn
appliance, reboot and power off. The first visit sets the device
password. The node's own REST API stays open unless --api-auth is given.

Every flag has a CAIRN_* environment variable and a config file key; see
'cairn config --default'.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig(env, flags)
			if err != nil {
				return err
			}
			if err := rf.fromEnv(cmd, env); err != nil {
				return usageError{err}
			}
			base := newLogger(env.Stderr, cfg.Level())
			setMemoryLimit(env.Getenv, memTotal(), base)
			log := base
			var opts []node.Option
			if rf.dashboard {
				var dopts []node.Option
				log, dopts, err = dashboardOptions(cfg.EnsureDefaults(env.Getenv), cfg.Level(), base.Handler(), rf.apiAuth)
				if err != nil {
					return err
				}
				opts = append(opts, dopts...)
			} else if rf.apiAuth {
				return usageError{errors.New("--api-auth needs the dashboard, where the password and tokens are made; drop --dashboard=false")}
			}
			n, err := node.New(cfg, append(opts, node.WithLogger(log))...)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if err := n.Start(ctx); err != nil {
				return errors.Join(err, n.Close())
			}
			fmt.Fprintf(env.Stdout, "cairn: API listening on %s\n", n.URL())
			if rf.dashboard {
				fmt.Fprintf(env.Stdout, "cairn: dashboard on %s/\n", n.URL())
			}
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
	f.BoolVar(&rf.dashboard, "dashboard", true, "serve the web dashboard at / (env CAIRN_DASHBOARD)")
	f.BoolVar(&rf.apiAuth, "api-auth", false, "require a dashboard session or API token for the node's REST API too, /healthz excepted (env CAIRN_API_AUTH)")
	return cmd
}

// fromEnv applies CAIRN_DASHBOARD and CAIRN_API_AUTH to the flags the
// command line left unset.
func (rf *runFlags) fromEnv(cmd *cobra.Command, env *Env) error {
	for _, b := range []struct {
		flag, env string
		v         *bool
	}{{"dashboard", "CAIRN_DASHBOARD", &rf.dashboard}, {"api-auth", "CAIRN_API_AUTH", &rf.apiAuth}} {
		s := env.Getenv(b.env)
		if s == "" || cmd.Flags().Changed(b.flag) {
			continue
		}
		v, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%s=%q: want true or false", b.env, s)
		}
		*b.v = v
	}
	return nil
}

// dashboardOptions returns the logger that also keeps records for the
// dashboard's log panel, and the node options that mount the dashboard
// (and, with apiAuth, protect the node's API). Reboot and power off are
// wired when the node runs under the Cairn appliance's PID 1.
func dashboardOptions(cfg config.Config, level slog.Level, console slog.Handler, apiAuth bool) (*slog.Logger, []node.Option, error) {
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("data dir %s: %w", cfg.DataDir, err)
	}
	a, err := auth.New(auth.Options{Dir: filepath.Join(dataDir, dashboardDir)})
	if err != nil {
		return nil, nil, err
	}
	logs := logring.New(supervise.NewRing(0), level)
	log := slog.New(logring.Tee(console, logs))
	opts := dashboard.NodeOptions(dashboard.Options{
		Auth:    a,
		Logs:    logs,
		System:  sysstat.New(sysstat.Options{DataDir: dataDir}),
		Actions: dashboard.MachineActions(),
		Logger:  log,
	})
	if apiAuth {
		opts = append(opts, node.WithAPIMiddleware(dashboard.ProtectAPI(a)))
	}
	return log, opts, nil
}
