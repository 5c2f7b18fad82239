package farm_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/node/farm"
	"github.com/cairn-node/cairn/node/farm/farmtest"
	"github.com/cairn-node/cairn/node/farm/rlnjob"
	"github.com/cairn-node/cairn/node/relay/rln"
)

// Environment of a worker subprocess (see TestMain).
const (
	envWorkerURL   = "CAIRN_FARM_TEST_WORKER_URL"
	envWorkerID    = "CAIRN_FARM_TEST_WORKER_ID"
	envWorkerDelay = "CAIRN_FARM_TEST_WORKER_DELAY"
)

// testConfig is the farm setup of the tests: a short AckWait so that a
// killed worker's job comes back within seconds.
var testConfig = farm.Config{AckWait: 2 * time.Second, Heartbeat: 500 * time.Millisecond}

// TestMain runs a worker instead of the tests when envWorkerURL is set:
// the tests re-execute their own binary to get worker processes they can
// kill with SIGKILL.
func TestMain(m *testing.M) {
	if url := os.Getenv(envWorkerURL); url != "" {
		if err := runWorkerProcess(url); err != nil {
			fmt.Fprintln(os.Stderr, "worker:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runWorkerProcess is a real rln-prove worker that prints "START <hash>"
// on stdout when it takes a job (hash: sha256 of the payload, 8 bytes
// hex), then waits envWorkerDelay, then proves. It stops on SIGTERM.
func runWorkerProcess(url string) error {
	delay, _ := time.ParseDuration(os.Getenv(envWorkerDelay))
	nc, err := nats.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	p, err := rln.NewProver()
	if err != nil {
		return err
	}
	prove := rlnjob.NewHandler(p)
	var mu sync.Mutex
	h := farm.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		mu.Lock()
		fmt.Printf("START %s\n", payloadHash(payload))
		mu.Unlock()
		time.Sleep(delay)
		return prove.Handle(ctx, payload)
	})
	w, err := farm.NewWorker(js, map[string]farm.Handler{rlnjob.Kind: h},
		farm.WithConfig(testConfig), farm.WithID(os.Getenv(envWorkerID)), farm.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, nil))))
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return w.Run(ctx)
}

func payloadHash(p []byte) string {
	h := sha256.Sum256(p)
	return hex.EncodeToString(h[:8])
}

// member is an RLN member at leaf 3 of a fresh tree, limit 100.
type member struct {
	id      rln.Identity
	path    rln.MerkleProof
	extNull fr.Element
}

func newMember(t testing.TB) member {
	t.Helper()
	var trapdoor, nullifier fr.Element
	trapdoor.SetUint64(0xfa4)
	nullifier.SetUint64(0x3a4d)
	m := member{id: rln.NewIdentity(trapdoor, nullifier)}
	tree := rln.NewTree()
	if err := tree.Set(3, rln.RateCommitment(m.id.Commitment, 100)); err != nil {
		t.Fatal(err)
	}
	var err error
	if m.path, err = tree.Proof(3); err != nil {
		t.Fatal(err)
	}
	rlnID, err := rln.RLNIdentifierField(rln.DefaultRLNIdentifier)
	if err != nil {
		t.Fatal(err)
	}
	m.extNull = rln.ExternalNullifier(rln.EpochField(12345), rlnID)
	return m
}

// payload is the rln-prove payload of the member's message id.
func (m member) payload(t testing.TB, id uint64) []byte {
	t.Helper()
	b, err := rlnjob.EncodeInput(rln.ProveInput{
		IdentitySecret: m.id.SecretHash, UserMessageLimit: 100, MessageID: id, Path: m.path,
		Signal: fmt.Appendf(nil, "farm test message %d", id), ExternalNullifier: m.extNull,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startFarm starts an embedded server and returns a JetStream client.
func startFarm(t *testing.T) (url string, js jetstream.JetStream) {
	t.Helper()
	url = farmtest.Start(t)
	return url, farmtest.Connect(t, url)
}

// workerProcess is a worker subprocess and the START lines it printed.
type workerProcess struct {
	id     string
	cmd    *exec.Cmd
	starts chan string
}

func startWorkerProcess(t *testing.T, url, id string, delay time.Duration) *workerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorkerURL+"="+url, envWorkerID+"="+id, envWorkerDelay+"="+delay.String(), "GOMAXPROCS=1")
	cmd.Stderr = &prefixWriter{t: t, prefix: id}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	wp := &workerProcess{id: id, cmd: cmd, starts: make(chan string, 100)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if h, ok := strings.CutPrefix(sc.Text(), "START "); ok {
				wp.starts <- h
			}
		}
		close(wp.starts)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	return wp
}

// prefixWriter logs a subprocess's stderr through t.
type prefixWriter struct {
	t      *testing.T
	prefix string
}

func (w *prefixWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.t.Logf("%s: %s", w.prefix, line)
	}
	return len(p), nil
}

// waitWorkers waits until n workers advertise themselves.
func waitWorkers(t *testing.T, js jetstream.JetStream, n int) farm.Status {
	t.Helper()
	mon := farm.NewMonitor(js, nil)
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := mon.Status(context.Background())
		if err == nil && len(st.Workers) == n {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("Status() = %+v, %v; want %d workers", st, err, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFarmKillWorkerMidJob runs 1 submitter and 3 worker processes on an
// embedded server, kills one worker with SIGKILL while it proves, and
// checks that every job comes back exactly once with a verified proof,
// the killed worker's job among them, done by another worker.
func TestFarmKillWorkerMidJob(t *testing.T) {
	if testing.Short() {
		t.Skip("proves 12 RLN proofs in 3 worker processes")
	}
	const jobs = 12
	url, js := startFarm(t)
	reg := prometheus.NewRegistry()
	sub, err := farm.NewSubmitter(context.Background(), js, map[string]farm.Verifier{rlnjob.Kind: rlnjob.Verifier{}},
		farm.WithConfig(testConfig), farm.WithRegisterer(reg))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	// The victim waits 3 s after taking a job, so the kill lands mid-job.
	victim := startWorkerProcess(t, url, "victim", 3*time.Second)
	others := []*workerProcess{startWorkerProcess(t, url, "w1", 0), startWorkerProcess(t, url, "w2", 0)}
	st := waitWorkers(t, js, 3)
	for _, w := range st.Workers {
		if len(w.Kinds) != 1 || w.Kinds[0] != rlnjob.Kind || len(w.Backends["msm"]) == 0 {
			t.Errorf("worker %s advertises kinds %v, backends %v; want [%s] and msm backends", w.ID, w.Kinds, w.Backends, rlnjob.Kind)
		}
	}

	m := newMember(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	type outcome struct {
		id  uint64
		res []byte
		err error
	}
	results := make(chan outcome, jobs)
	for id := range uint64(jobs) {
		go func() {
			res, err := sub.Submit(ctx, rlnjob.Kind, m.payload(t, id))
			results <- outcome{id, res, err}
		}()
	}
	var killed string
	select {
	case killed = <-victim.starts:
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("the victim worker took no job")
	}

	got := map[uint64]int{}
	for range jobs {
		o := <-results
		if o.err != nil {
			t.Errorf("Submit(message %d) = %v", o.id, o.err)
			continue
		}
		got[o.id]++
		pv, err := rln.DecodeProofValues(o.res)
		if err != nil {
			t.Errorf("message %d: DecodeProofValues = %v", o.id, err)
			continue
		}
		x := rln.SignalX(fmt.Appendf(nil, "farm test message %d", o.id))
		if !pv.X.Equal(&x) {
			t.Errorf("message %d: result is the proof of another signal", o.id)
		}
	}
	for id := range uint64(jobs) {
		if got[id] != 1 {
			t.Errorf("message %d came back %d times, want once", id, got[id])
		}
	}
	if v := counterValue(t, reg, "cairn_farm_jobs_completed_total"); v != jobs {
		t.Errorf("cairn_farm_jobs_completed_total = %v, want %d", v, jobs)
	}
	// The killed job ran again on a surviving worker (its START line may
	// still be in the pipe).
	rerun := false
	for deadline := time.Now().Add(5 * time.Second); !rerun && time.Now().Before(deadline); {
		for _, w := range others {
			select {
			case h := <-w.starts:
				rerun = rerun || h == killed
			default:
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	if !rerun {
		t.Errorf("job %s, taken by the killed worker, never started on another worker", killed)
	}
	st = waitWorkers(t, js, 2) // the victim's advertisement lapses
	if len(st.Queues) != 1 || st.Queues[0].Depth() != 0 {
		t.Errorf("Status().Queues = %+v, want one empty %s queue", st.Queues, rlnjob.Kind)
	}
}

// counterValue returns the sum of the series of counter name in reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	return counterValueWith(t, reg, name, "", "")
}

// runInProcessWorker runs a worker with handler h until the test ends or
// the returned stop is called.
func runInProcessWorker(t *testing.T, js jetstream.JetStream, id string, h farm.Handler) (stop func()) {
	t.Helper()
	_, stopWorker := farmtest.RunWorker(t, js, map[string]farm.Handler{rlnjob.Kind: h}, farm.WithConfig(testConfig), farm.WithID(id))
	return func() {
		if err := stopWorker(); err != nil {
			t.Errorf("Worker(%s).Run = %v", id, err)
		}
	}
}

// TestFarmCatchesBadProof runs a worker that answers with a well-formed
// proof of other public inputs: the submitter rejects it on every attempt,
// names the worker, and counts it; a good worker then completes the job.
func TestFarmCatchesBadProof(t *testing.T) {
	_, js := startFarm(t)
	p, err := rln.NewProver()
	if err != nil {
		t.Fatal(err)
	}
	m := newMember(t)
	// A valid proof of message 99: well-formed, but of other inputs.
	other, err := rlnjob.NewHandler(p).Handle(context.Background(), m.payload(t, 99))
	if err != nil {
		t.Fatal(err)
	}
	otherPV, err := rln.DecodeProofValues(other)
	if err != nil {
		t.Fatal(err)
	}
	evil := farm.HandlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		res, err := rlnjob.NewHandler(p).Handle(ctx, payload)
		if err != nil {
			return nil, err
		}
		pv, err := rln.DecodeProofValues(res)
		if err != nil {
			return nil, err
		}
		pv.Proof = otherPV.Proof // right public values, wrong proof
		return pv.Encode(), nil
	})
	reg := prometheus.NewRegistry()
	sub, err := farm.NewSubmitter(context.Background(), js, map[string]farm.Verifier{rlnjob.Kind: rlnjob.Verifier{}},
		farm.WithConfig(testConfig), farm.WithRegisterer(reg), farm.WithMaxAttempts(2))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	stopEvil := runInProcessWorker(t, js, "evil", evil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = sub.Submit(ctx, rlnjob.Kind, m.payload(t, 1))
	if !errors.Is(err, farm.ErrBadResult) || !errors.Is(err, rlnjob.ErrWrongProof) || !strings.Contains(err.Error(), "evil") {
		t.Fatalf("Submit with a lying worker = %v, want ErrBadResult (ErrWrongProof) naming worker evil", err)
	}
	bad := counterValueWith(t, reg, "cairn_farm_bad_results_total", "worker", "evil")
	if bad != 2 {
		t.Errorf("cairn_farm_bad_results_total{worker=evil} = %v, want 2 (one per attempt)", bad)
	}
	stopEvil()

	runInProcessWorker(t, js, "honest", rlnjob.NewHandler(p))
	res, err := sub.Submit(ctx, rlnjob.Kind, m.payload(t, 1))
	if err != nil {
		t.Fatalf("Submit with an honest worker = %v", err)
	}
	if err := (rlnjob.Verifier{}).Verify(m.payload(t, 1), res); err != nil {
		t.Errorf("verify the honest result again: %v", err)
	}
}

// counterValueWith returns the sum of the series of counter name in reg
// whose label has value (all series when label is empty).
func counterValueWith(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			match := label == ""
			for _, lp := range m.GetLabel() {
				match = match || lp.GetName() == label && lp.GetValue() == value
			}
			if match {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

// TestFarmIgnoresDuplicateResults stores a finished job's result again:
// with the same message id JetStream drops it, with another the submitter
// counts and ignores it; a handler error comes back as ErrJobFailed.
func TestFarmIgnoresDuplicateResults(t *testing.T) {
	_, js := startFarm(t)
	calls := 0
	var mu sync.Mutex
	echo := farm.HandlerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		mu.Lock()
		calls++
		mu.Unlock()
		if string(payload) == "fail" {
			return nil, errors.New("bad input")
		}
		return append([]byte("echo:"), payload...), nil
	})
	verify := farm.VerifierFunc(func(payload, result []byte) error {
		if string(result) != "echo:"+string(payload) {
			return fmt.Errorf("result %q", result)
		}
		return nil
	})
	reg := prometheus.NewRegistry()
	sub, err := farm.NewSubmitter(context.Background(), js, map[string]farm.Verifier{rlnjob.Kind: verify},
		farm.WithConfig(testConfig), farm.WithRegisterer(reg), farm.WithID("sub1"))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	runInProcessWorker(t, js, "echo", echo)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := sub.Submit(ctx, rlnjob.Kind, []byte("hello"))
	if err != nil || string(res) != "echo:hello" {
		t.Fatalf("Submit(hello) = %q, %v; want echo:hello", res, err)
	}
	if _, err := sub.Submit(ctx, rlnjob.Kind, []byte("fail")); !errors.Is(err, farm.ErrJobFailed) || !strings.Contains(err.Error(), "bad input") {
		t.Errorf("Submit(fail) = %v, want ErrJobFailed with the worker's message", err)
	}
	if _, err := sub.Submit(ctx, "sig-verify", nil); !errors.Is(err, farm.ErrNoVerifier) {
		t.Errorf("Submit(unregistered kind) = %v, want ErrNoVerifier", err)
	}

	// Replay the first result.
	stream, err := js.Stream(ctx, farm.ResultsStream)
	if err != nil {
		t.Fatal(err)
	}
	first, err := stream.GetMsg(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	replay := &nats.Msg{Subject: first.Subject, Header: first.Header, Data: first.Data}
	ack, err := js.PublishMsg(ctx, replay, jetstream.WithMsgID(first.Header.Get(jetstream.MsgIDHeader)))
	if err != nil || !ack.Duplicate {
		t.Errorf("publish a result again with its message id: ack %+v, %v; want a duplicate", ack, err)
	}
	if _, err := js.PublishMsg(ctx, replay, jetstream.WithMsgID("replay")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for counterValue(t, reg, "cairn_farm_duplicate_results_total") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the replayed result was not counted as a duplicate")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if v := counterValue(t, reg, "cairn_farm_jobs_completed_total"); v != 1 {
		t.Errorf("cairn_farm_jobs_completed_total = %v, want 1", v)
	}
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("the handler ran %d times, want 2", calls)
	}
}

// TestFarmRetriesWorkerFault fails a job once with ErrWorkerFault: it goes
// back to the queue and its second run's result comes back.
func TestFarmRetriesWorkerFault(t *testing.T) {
	_, js := startFarm(t)
	var mu sync.Mutex
	runs := 0
	flaky := farm.HandlerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		runs++
		if runs == 1 {
			return nil, fmt.Errorf("%w: MSM backend lost its device", farm.ErrWorkerFault)
		}
		return payload, nil
	})
	same := farm.VerifierFunc(func(payload, result []byte) error {
		if string(payload) != string(result) {
			return errors.New("result differs")
		}
		return nil
	})
	sub, err := farm.NewSubmitter(context.Background(), js, map[string]farm.Verifier{"echo": same}, farm.WithConfig(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	w, err := farm.NewWorker(js, map[string]farm.Handler{"echo": flaky}, farm.WithConfig(testConfig), farm.WithID("flaky"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	res, err := sub.Submit(ctx, "echo", []byte("again"))
	if err != nil || string(res) != "again" {
		t.Fatalf("Submit after a worker fault = %q, %v; want the second run's result", res, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if runs != 2 {
		t.Errorf("the handler ran %d times, want 2", runs)
	}
}

// TestFarmIdleKindDoesNotStarveAnother runs a worker of two kinds with
// concurrency 1 and submits jobs of one kind only: the idle kind's pull,
// which waits up to 5 s for a job, must not hold the busy kind back.
func TestFarmIdleKindDoesNotStarveAnother(t *testing.T) {
	_, js := startFarm(t)
	echo := farm.HandlerFunc(func(_ context.Context, payload []byte) ([]byte, error) { return payload, nil })
	accept := farm.VerifierFunc(func(payload, result []byte) error { return nil })
	sub, err := farm.NewSubmitter(context.Background(), js, map[string]farm.Verifier{"busy": accept}, farm.WithConfig(testConfig))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	w, err := farm.NewWorker(js, map[string]farm.Handler{"busy": echo, "idle": echo}, farm.WithConfig(testConfig), farm.WithID("two-kinds"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	start := time.Now()
	const jobs = 5
	for i := range jobs {
		if _, err := sub.Submit(ctx, "busy", []byte{byte(i)}); err != nil {
			t.Fatalf("Submit(busy %d) = %v", i, err)
		}
	}
	// Starved, each job would wait for the idle kind's 5 s pull.
	if el := time.Since(start); el > 12*time.Second {
		t.Errorf("%d jobs of the busy kind took %v, want well under %d×5 s", jobs, el, jobs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
}
