package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/natsembed"
	"github.com/cairn-node/cairn/node/farm/rlnjob"
)

// farmJobsPerWorker is how many proofs one farm op submits per worker
// process: enough that the last proofs of an op, when some workers idle,
// weigh little in the rate.
const farmJobsPerWorker = 8

// farmOpTimeout bounds one op, so that a stuck farm fails the bench
// instead of hanging it.
const farmOpTimeout = 5 * time.Minute

// farmStartTimeout bounds the start of the worker processes, up to their
// first advertisement.
const farmStartTimeout = time.Minute

// farmCases are the prover-farm rows: RLN proofs per second through the
// farm (embedded NATS server and submitter in this process, every proof
// verified by the submitter) with 1 `cairn prover` worker process (the go
// record) and with 2 (the record named farmPairName), measured round by
// round in turn like a case's backends, so that load from elsewhere on the
// machine falls on both alike and the "x go" column is the scaling factor.
//
// In the "GOMAXPROCS=1" row each worker has one core, so the pair shows
// what the farm's dispatch costs when workers do not compete for cores
// (as on separate boxes). The other row leaves each worker all cores, as
// `cairn prover` runs by default: one RLN proof already spreads its MSMs
// over all cores, so a second process on the same box only fills the
// serial parts of the first one's proofs.
func farmCases() []Case {
	var cs []Case
	for _, procs := range []int{1, 0} {
		one, two := farmShape{workers: 1, procs: procs}, farmShape{workers: 2, procs: procs}
		cs = append(cs, Case{
			Kernel: "farm-rln-prove", Params: "1 vs 2 worker processes," + one.coresLabel(), Unit: "proofs/s",
			Setup: farmSetup(one),
			Peer:  func() (func() error, float64, error) { return farmSetup(two)(accel.Go) }, PeerName: farmPairName,
		})
	}
	return cs
}

// farmPairName names the two-worker record of a farm row.
const farmPairName = "go,2-workers"

// farmShape is the worker side of a farm row.
type farmShape struct {
	// workers is the number of `cairn prover` processes.
	workers int
	// procs is each process's GOMAXPROCS; 0 leaves the Go default (all
	// cores).
	procs int
}

// coresLabel says how many cores each worker may use.
func (f farmShape) coresLabel() string {
	if f.procs > 0 {
		return fmt.Sprintf("GOMAXPROCS=%d each", f.procs)
	}
	return "all cores each"
}

// farmSetup starts an embedded NATS server, f's `cairn prover --nats`
// processes and a submitter; each op submits farmJobsPerWorker demo proofs
// per worker and waits for them all to come back verified.
func farmSetup(f farmShape) func(accel.Backend) (func() error, float64, error) {
	return func(b accel.Backend) (func() error, float64, error) {
		if err := goOnly(b, "farm-rln-prove"); err != nil {
			return nil, 0, err
		}
		ctx := context.Background()
		tmp, err := os.MkdirTemp("", "cairn-bench-farm-")
		if err != nil {
			return nil, 0, err
		}
		atCaseEnd(func() { os.RemoveAll(tmp) })
		bin, err := cairnBinary(ctx, tmp)
		if err != nil {
			return nil, 0, err
		}
		srv, err := natsembed.Start(natsembed.Options{DataDir: filepath.Join(tmp, "nats"), Port: natsembed.RandomPort})
		if err != nil {
			return nil, 0, err
		}
		atCaseEnd(func() { srv.Close() })
		nc, err := nats.Connect(srv.ClientURL())
		if err != nil {
			return nil, 0, err
		}
		atCaseEnd(nc.Close)
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, 0, err
		}
		for i := range f.workers {
			cmd := exec.Command(bin, "prover", "--nats", srv.ClientURL(), "--id", fmt.Sprintf("bench-%d", i+1),
				"--log-level", "warn")
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "CAIRN_") && !strings.HasPrefix(kv, "GOMAXPROCS=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			if f.procs > 0 {
				cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(f.procs))
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				return nil, 0, fmt.Errorf("bench: start %s prover: %w", bin, err)
			}
			atCaseEnd(func() { stopProcess(cmd) })
		}
		if err := waitFarmWorkers(ctx, js, f.workers); err != nil {
			return nil, 0, err
		}
		sub, err := farm.NewSubmitter(ctx, js, map[string]farm.Verifier{rlnjob.Kind: rlnjob.Verifier{}})
		if err != nil {
			return nil, 0, err
		}
		atCaseEnd(func() { sub.Close() })
		jobs := farmJobsPerWorker * f.workers
		return func() error {
			ctx, cancel := context.WithTimeout(ctx, farmOpTimeout)
			defer cancel()
			_, err := rlnjob.SubmitDemo(ctx, sub, jobs, jobs)
			return err
		}, float64(jobs), nil
	}
}

// waitFarmWorkers waits until n workers advertise themselves.
func waitFarmWorkers(ctx context.Context, js jetstream.JetStream, n int) error {
	ctx, cancel := context.WithTimeout(ctx, farmStartTimeout)
	defer cancel()
	mon := farm.NewMonitor(js, nil)
	for {
		st, err := mon.Status(ctx)
		if err == nil && len(st.Workers) == n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("bench: only %d of %d farm workers advertised within %v (see their log above)", len(st.Workers), n, farmStartTimeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
