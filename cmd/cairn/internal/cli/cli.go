// Package cli is the cairn command: a cobra command tree that reads its
// arguments, streams and environment from an Env rather than from the
// process, so tests run every subcommand in-process.
//
//	code := cli.Main(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin,
//		Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv})
//
// Commands that run until stopped (cairn run) stop when ctx is cancelled.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	gnarklog "github.com/consensys/gnark/logger"
	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/config"
)

// Exit codes returned by Main.
const (
	ExitOK    = 0 // success, including a run stopped by ctx
	ExitError = 1 // the command failed; stderr says why
	ExitUsage = 2 // bad flags or arguments
)

// Env is what a command may use of its process. Nil fields mean: no input
// (Stdin), io.Discard (Stdout, Stderr), os.Getenv (Getenv).
type Env struct {
	// Args are the arguments after the program name.
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads CAIRN_* and XDG_DATA_HOME.
	Getenv func(string) string
}

// usageError marks errors in flags or arguments.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// Main runs the command named by env.Args and returns the process exit
// code. Errors are printed to env.Stderr as "cairn: <error>".
func Main(ctx context.Context, env Env) int {
	if env.Stdin == nil {
		env.Stdin = strings.NewReader("")
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	// gnark (storage-proof circuits) logs its compile, solve and verify
	// steps to stdout with its own logger; Cairn reports through slog.
	gnarklog.Disable()
	root := newRootCmd(&env)
	root.SetArgs(env.Args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, errFalse) {
		return ExitError // the command printed its answer ("false") and why
	}
	fmt.Fprintf(env.Stderr, "cairn: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) || strings.HasPrefix(err.Error(), "unknown command") {
		fmt.Fprintln(env.Stderr, "Run 'cairn help' for usage.")
		return ExitUsage
	}
	return ExitError
}

// globals are the flags every command takes.
type globals struct {
	// configFile is --config; empty means CAIRN_CONFIG.
	configFile string
}

// loadConfig reads the configuration for a command; flags holds its
// command-line settings (zero fields unset).
func (g *globals) loadConfig(env *Env, flags config.Config) (config.Config, error) {
	return config.Load(config.Sources{File: g.configFile, Getenv: env.Getenv, Flags: flags})
}

func newRootCmd(env *Env) *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "cairn",
		Short: "Cairn, a plug-and-play home node for the Logos stack",
		Long: `Cairn is a home node for the Logos stack. 'cairn run' starts it; 'cairn accel
info' shows how it will run its heavy kernels on this machine; 'cairn bench'
measures them. 'cairn storage' works with Logos Storage datasets, 'cairn waku'
with Waku messages and 'cairn rln' with RLN proofs.

Settings come from, in increasing precedence: built-in defaults
('cairn config --default'), the TOML file named by --config or
CAIRN_CONFIG, CAIRN_* environment variables, and flags.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.PersistentFlags().StringVar(&g.configFile, "config", "", "TOML config `file` (env CAIRN_CONFIG)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newRunCmd(env, g),
		newAccelCmd(env, g),
		newConfigCmd(env, g),
		newBenchCmd(env),
		newStorageCmd(env, g), newProofCmd(env, g),
		newWakuCmd(env, g),
		newRLNCmd(env),
		newProverCmd(env),
		newSigCmd(env),
		newVersionCmd(env),
		newApplianceCmd(env), newImageCmd(env),
		newUpdateCmd(env),
		newInstallCmd(env),
	)
	return root
}

// noArgs rejects positional arguments as a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}

// newLogger returns the text logger of the cairn command.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
