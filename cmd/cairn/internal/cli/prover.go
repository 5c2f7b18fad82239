package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/natsembed"
	"github.com/cairn-node/cairn/node/farm/rlnjob"
	"github.com/cairn-node/cairn/node/farm/sigjob"
	"github.com/cairn-node/cairn/node/farm/storagejob"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// proverFlags are the flags of cairn prover and its subcommands.
type proverFlags struct {
	natsURL     string
	natsListen  string
	dataDir     string
	workers     int
	concurrency int
	id          string
	ackWait     time.Duration
	statusAddr  string
	logLevel    string
	storageKeys string
}

func newProverCmd(env *Env) *cobra.Command {
	var pf proverFlags
	cmd := &cobra.Command{
		Use:   "prover",
		Short: "Run prover farm workers that take jobs from NATS JetStream",
		Long: `prover runs workers of a Cairn prover farm: they pull jobs (kinds rln-prove:
RLN v2 proofs, sig-verify: signature batches, and storage-prove: storage
proofs, with --storage-keys) from NATS JetStream, run
them, and store the results, which the submitting node verifies before use. A job is acknowledged only after
its result is stored, so a worker killed mid-job loses nothing.

With --nats URL the workers join an external NATS server or cluster (it
must have JetStream enabled). Without it, prover also starts an embedded
NATS server with JetStream, listening on --nats-listen (127.0.0.1:4222 by
default) and storing its streams under <data dir>/farm/nats; nodes and more
workers on this box connect to the URL it prints.

--workers starts several workers in this process, each running up to
--concurrency jobs of each kind at a time. One RLN proof already uses
every core, so on a small box one worker with concurrency 1 is right; to
use a second box, run
'cairn prover --nats nats://<first box>:4222' there (and listen on an
address the second box can reach: --nats-listen 0.0.0.0:4222).

prover stops on SIGINT or SIGTERM, after the running jobs finish.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runProver(cmd.Context(), env, pf) },
	}
	f := cmd.PersistentFlags()
	f.StringVar(&pf.natsURL, "nats", "", "`URL` of an external NATS server with JetStream (default: start an embedded one)")
	f.DurationVar(&pf.ackWait, "ack-wait", farm.DefaultAckWait, "how long a job may go without a heartbeat before it is delivered again (farm-wide)")
	pl := cmd.Flags()
	pl.StringVar(&pf.natsListen, "nats-listen", net.JoinHostPort(natsembed.DefaultHost, strconv.Itoa(natsembed.DefaultPort)), "embedded NATS server `host:port` (port 0: any free port)")
	pl.StringVar(&pf.dataDir, "data-dir", "", "data `directory` of the embedded server (env CAIRN_DATA_DIR; default $XDG_DATA_HOME/cairn or ./.cairn)")
	pl.IntVar(&pf.workers, "workers", 1, "workers to run in this process")
	pl.IntVar(&pf.concurrency, "concurrency", 1, "jobs of each kind each worker runs at once")
	pl.StringVar(&pf.id, "id", "", "worker `id` (default <hostname>-<random>; with --workers N, suffixed -1 … -N)")
	pl.StringVar(&pf.statusAddr, "status-addr", "", "serve "+farm.StatusPath+" and /metrics on `host:port` (default: off)")
	pl.StringVar(&pf.logLevel, "log-level", "info", "`level`: debug, info, warn or error")
	pl.StringVar(&pf.storageKeys, "storage-keys", "", "`directory` of storage-proof key files copied from the nodes that submit such jobs (default <data dir>/proofs/keys); the worker takes "+storagejob.Kind+" jobs only when it holds some")
	cmd.AddCommand(newProverSubmitRLNCmd(env, &pf))
	return cmd
}

// runProver runs the embedded server (unless --nats) and the workers until
// ctx ends.
func runProver(ctx context.Context, env *Env, pf proverFlags) error {
	if pf.workers < 1 || pf.concurrency < 1 {
		return usageError{fmt.Errorf("prover: --workers %d and --concurrency %d must be at least 1", pf.workers, pf.concurrency)}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(pf.logLevel)); err != nil {
		return usageError{fmt.Errorf("prover: --log-level %q: want debug, info, warn or error", pf.logLevel)}
	}
	log := newLogger(env.Stderr, level)
	url := pf.natsURL
	if url == "" {
		srv, err := startEmbeddedNATS(env, pf)
		if err != nil {
			return err
		}
		defer srv.Close()
		url = srv.ClientURL()
		fmt.Fprintf(env.Stdout, "cairn: embedded NATS server (JetStream) listening on %s\n", url)
	}
	prover, err := rln.NewProver()
	if err != nil {
		return err
	}
	handlers := map[string]farm.Handler{rlnjob.Kind: rlnjob.NewHandler(prover), sigjob.Kind: sigjob.NewHandler()}
	kinds := []string{rlnjob.Kind, sigjob.Kind}
	keyDir := pf.storageKeys
	if keyDir == "" {
		keyDir = filepath.Join(proverDataDir(env, pf), "proofs", "keys")
	}
	if files, _ := filepath.Glob(filepath.Join(keyDir, "sampleandprove-*.keys")); len(files) > 0 {
		handlers[storagejob.Kind] = storagejob.NewHandler(keyDir)
		kinds = append(kinds, storagejob.Kind)
		log.Info("taking storage-proof jobs", "keys", keyDir, "files", len(files))
	} else {
		log.Info("no storage-proof keys: not taking "+storagejob.Kind+" jobs (copy a node's <data_dir>/proofs/keys/*.keys into --storage-keys)", "dir", keyDir)
	}
	cfg := farm.Config{AckWait: pf.ackWait}

	if pf.statusAddr != "" {
		js, closeNC, err := connectJetStream(url, "cairn prover status")
		if err != nil {
			return err
		}
		defer closeNC()
		stop, addr, err := serveFarmStatus(pf.statusAddr, farm.NewMonitor(js, log))
		if err != nil {
			return err
		}
		defer stop()
		fmt.Fprintf(env.Stdout, "cairn: farm status on http://%s%s (metrics on /metrics)\n", addr, farm.StatusPath)
	}

	errs := make(chan error, pf.workers)
	var wg sync.WaitGroup
	for i := range pf.workers {
		opts := []farm.Option{farm.WithConfig(cfg), farm.WithConcurrency(pf.concurrency), farm.WithLogger(log.With("subsys", "node/farm"))}
		if pf.id != "" {
			id := pf.id
			if pf.workers > 1 {
				id += "-" + strconv.Itoa(i+1)
			}
			opts = append(opts, farm.WithID(id))
		}
		js, closeNC, err := connectJetStream(url, "cairn prover")
		if err != nil {
			return err
		}
		defer closeNC()
		w, err := farm.NewWorker(js, handlers, opts...)
		if err != nil {
			return usageError{err}
		}
		fmt.Fprintf(env.Stdout, "cairn: prover worker %s running %s, %d at a time, on %s\n", w.ID(), strings.Join(kinds, ", "), pf.concurrency, url)
		wg.Go(func() { errs <- w.Run(ctx) })
	}
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if err := errors.Join(all...); err != nil {
		return fmt.Errorf("prover: %w", err)
	}
	fmt.Fprintln(env.Stdout, "cairn: prover stopped")
	return nil
}

// startEmbeddedNATS starts the embedded server of runProver.
func startEmbeddedNATS(env *Env, pf proverFlags) (*natsembed.Server, error) {
	host, portStr, err := net.SplitHostPort(pf.natsListen)
	port, perr := strconv.Atoi(portStr)
	if err != nil || perr != nil || port < 0 || port > 65535 {
		return nil, usageError{fmt.Errorf("prover: --nats-listen %q: want host:port", pf.natsListen)}
	}
	if port == 0 {
		port = natsembed.RandomPort
	}
	return natsembed.Start(natsembed.Options{DataDir: filepath.Join(proverDataDir(env, pf), "farm", "nats"), Host: host, Port: port})
}

// proverDataDir is --data-dir, else $CAIRN_DATA_DIR, else the default.
func proverDataDir(env *Env, pf proverFlags) string {
	if pf.dataDir != "" {
		return pf.dataDir
	}
	if d := env.Getenv("CAIRN_DATA_DIR"); d != "" {
		return d
	}
	return config.DefaultDataDir(env.Getenv)
}

// connectJetStream opens a NATS connection named name and its JetStream
// context; the connection reconnects forever (a farm outlives restarts of
// its server).
func connectJetStream(url, name string) (jetstream.JetStream, func(), error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1))
	if err != nil {
		return nil, nil, fmt.Errorf("connect to NATS at %s (is the server running? start one with 'cairn prover'): %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("JetStream at %s: %w", url, err)
	}
	return js, nc.Close, nil
}

// serveFarmStatus serves mon's status and metrics on addr until stop.
func serveFarmStatus(addr string, mon *farm.Monitor) (stop func(), bound string, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", fmt.Errorf("prover: --status-addr: %w", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(mon)
	mux := http.NewServeMux()
	mux.Handle(farm.StatusPath, farm.StatusHandler(mon))
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() { srv.Close() }, ln.Addr().String(), nil
}

func newProverSubmitRLNCmd(env *Env, pf *proverFlags) *cobra.Command {
	var count, parallel int
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "submit-rln --nats URL --count N",
		Short: "Submit demo RLN proof jobs to a farm and report verified proofs/s",
		Long: `submit-rln submits --count rln-prove jobs for a fixed demo member (message
ids 0 … N-1; see rlnjob.DemoPayload), --parallel at a time, verifies every
proof that comes back, and prints the rate. It is a demo and a load
generator: the demo member's secret is public.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pf.natsURL == "" {
				return usageError{errors.New("prover submit-rln needs --nats URL (the URL 'cairn prover' printed)")}
			}
			if count < 1 || count > rlnjob.DemoMessageLimit || parallel < 1 {
				return usageError{fmt.Errorf("prover submit-rln: --count must be 1 to %d and --parallel at least 1", rlnjob.DemoMessageLimit)}
			}
			js, closeNC, err := connectJetStream(pf.natsURL, "cairn prover submit-rln")
			if err != nil {
				return err
			}
			defer closeNC()
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			sub, err := farm.NewSubmitter(ctx, js, map[string]farm.Verifier{rlnjob.Kind: rlnjob.Verifier{}},
				farm.WithConfig(farm.Config{AckWait: pf.ackWait}), farm.WithLogger(newLogger(env.Stderr, slog.LevelWarn)))
			if err != nil {
				return err
			}
			defer sub.Close()
			elapsed, err := rlnjob.SubmitDemo(ctx, sub, count, parallel)
			if err != nil {
				return fmt.Errorf("prover submit-rln: %w", err)
			}
			fmt.Fprintf(env.Stdout, "%d RLN proofs verified in %v: %.2f proofs/s\n", count, elapsed.Round(time.Millisecond), float64(count)/elapsed.Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&count, "count", 10, "proofs to submit")
	f.IntVar(&parallel, "parallel", 4, "jobs in flight at once")
	f.DurationVar(&timeout, "timeout", 10*time.Minute, "give up after this long")
	return cmd
}
