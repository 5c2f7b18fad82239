package farm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Timeouts of the worker's JetStream calls.
const (
	// pullWait is how long one pull request waits for a job.
	pullWait = 5 * time.Second
	// publishTimeout bounds storing a result and acknowledging its job.
	publishTimeout = 10 * time.Second
	// pullErrorBackoff is the pause after a failed pull (server gone).
	pullErrorBackoff = time.Second
)

// Worker pulls jobs of the kinds it has handlers for, runs them and stores
// their results. Create it with NewWorker and run it with Run.
type Worker struct {
	js       jetstream.JetStream
	handlers map[string]Handler
	opts     options
	stats    workerStats
}

// NewWorker returns a worker for the given handlers, by kind. Options:
// WithConfig, WithID, WithConcurrency, WithBackends, WithLogger. It does
// not contact the server; Run does. The caller owns js's connection and
// must keep it open until Run returns; handlers must not be modified
// afterwards.
func NewWorker(js jetstream.JetStream, handlers map[string]Handler, opts ...Option) (*Worker, error) {
	if len(handlers) == 0 {
		return nil, errors.New("farm: a worker needs at least one handler")
	}
	for kind := range handlers {
		if err := CheckKind(kind); err != nil {
			return nil, err
		}
	}
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if o.backends == nil {
		o.backends = availableBackends()
	}
	return &Worker{js: js, handlers: handlers, opts: o}, nil
}

// ID returns the worker's id, as it appears in results and metrics.
func (w *Worker) ID() string { return w.opts.id }

// Run sets up the streams, the kinds' consumers and the worker's
// advertisement, then runs jobs until ctx ends. On ctx's end it stops
// pulling, lets running handlers finish and stores their results (a
// handler that returns an error because ctx ended gets its job delivered
// again), withdraws the advertisement and returns nil. Other errors come
// from the setup: no JetStream on the server, or a config that conflicts
// with the existing streams. Run must be called once.
func (w *Worker) Run(ctx context.Context) error {
	kv, err := workersBucket(ctx, w.js, w.opts.farm)
	if err != nil {
		return err
	}
	if err := ensureStreams(ctx, w.js, w.opts.farm); err != nil {
		return err
	}
	kinds := make([]string, 0, len(w.handlers))
	for k := range w.handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	consumers := make(map[string]jetstream.Consumer, len(kinds))
	for _, k := range kinds {
		if consumers[k], err = ensureConsumer(ctx, w.js, w.opts.farm, k); err != nil {
			return err
		}
	}
	w.stats.start(time.Now())
	log := w.opts.logger.With("worker", w.opts.id)
	log.Info("farm worker running", "kinds", kinds, "concurrency", w.opts.concurrency, "backends", w.opts.backends)

	var wg sync.WaitGroup
	wg.Go(func() { w.advertise(ctx, kv, kinds) })
	var jobs sync.WaitGroup
	for _, k := range kinds {
		// Slots are per kind: a puller waiting for a job of one kind must
		// not hold a slot that a queued job of another kind could use.
		slots := make(chan struct{}, w.opts.concurrency)
		wg.Go(func() { w.pull(ctx, k, consumers[k], slots, &jobs, log) })
	}
	wg.Wait()
	jobs.Wait()
	log.Info("farm worker stopped", "jobs_done", w.stats.snapshot(time.Now()).JobsDone)
	return nil
}

// pull takes jobs of kind from cons whenever one of the kind's slots is
// free, until ctx ends, and runs each in a goroutine that jobs counts. It
// pulls one job per free slot, so an idle worker never holds jobs another
// worker could run.
func (w *Worker) pull(ctx context.Context, kind string, cons jetstream.Consumer, slots chan struct{}, jobs *sync.WaitGroup, log *slog.Logger) {
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		pctx, cancel := context.WithTimeout(ctx, pullWait)
		msg, err := cons.Next(jetstream.FetchContext(pctx))
		cancel()
		if err != nil {
			<-slots
			switch {
			case ctx.Err() != nil:
				return
			case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
			default:
				log.Warn("pull job", "kind", kind, "err", err)
				select {
				case <-time.After(pullErrorBackoff):
				case <-ctx.Done():
					return
				}
			}
			continue
		}
		jobs.Go(func() {
			defer func() { <-slots }()
			w.run(ctx, kind, msg, log)
		})
	}
}

// run runs one job and stores its result before acknowledging it.
func (w *Worker) run(ctx context.Context, kind string, msg jetstream.Msg, log *slog.Logger) {
	env, err := decodeJobEnvelope(msg.Headers())
	if err != nil {
		// No valid submitter to answer: drop the job for good.
		log.Warn("drop malformed job", "kind", kind, "err", err)
		_ = msg.TermWithReason(err.Error())
		return
	}
	log = log.With("kind", kind, "job", env.ID, "attempt", env.Attempt)
	stop := w.keepAlive(msg)
	start := time.Now()
	result, herr := w.handlers[kind].Handle(ctx, msg.Data())
	elapsed := time.Since(start)
	stop()
	switch {
	case herr != nil && ctx.Err() != nil:
		// Interrupted, not failed: let another worker run it now.
		_ = msg.Nak()
		return
	case errors.Is(herr, ErrWorkerFault):
		log.Warn("worker fault; the job goes back to the queue", "err", herr)
		_ = msg.NakWithDelay(workerFaultRetryDelay)
		return
	}
	renv := resultEnvelope{Job: env.ID, Attempt: env.Attempt, Worker: w.opts.id, Elapsed: elapsed}
	if herr != nil {
		renv.Err = herr.Error()
		result = nil
	}
	// Finished work is stored even while the worker is stopping.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	out := &nats.Msg{Subject: resultSubject(env.Submitter, env.ID), Header: renv.header(), Data: result}
	if _, err := w.js.PublishMsg(pctx, out, jetstream.WithMsgID(msgID(env.ID, env.Attempt))); err != nil {
		log.Warn("store result; the job will run again", "err", err)
		_ = msg.Nak()
		return
	}
	// INVARIANT: the result is stored before the job is acknowledged, so a
	// worker dying here only causes a duplicate result, which the results
	// stream's dedup window (or the submitter) drops.
	if err := msg.DoubleAck(pctx); err != nil {
		log.Warn("acknowledge job; it may run again (its result is stored)", "err", err)
	}
	w.stats.record(time.Now(), elapsed, herr != nil)
	if herr != nil {
		log.Info("job failed", "err", herr, "elapsed", elapsed)
	} else {
		log.Debug("job done", "elapsed", elapsed)
	}
}

// keepAlive sends InProgress for msg every AckWait/4 until the returned
// stop is called.
func (w *Worker) keepAlive(msg jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(w.opts.farm.AckWait/4, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_ = msg.InProgress()
			case <-done:
				return
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// advertise puts the worker's WorkerInfo into kv every heartbeat until ctx
// ends, then deletes it.
func (w *Worker) advertise(ctx context.Context, kv jetstream.KeyValue, kinds []string) {
	t := time.NewTicker(w.opts.farm.Heartbeat)
	defer t.Stop()
	for {
		info := w.Info()
		info.Kinds = kinds
		b, err := json.Marshal(info)
		if err == nil {
			_, err = kv.Put(ctx, w.opts.id, b)
		}
		if err != nil && ctx.Err() == nil {
			w.opts.logger.Warn("advertise worker", "worker", w.opts.id, "err", err)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
			_ = kv.Delete(dctx, w.opts.id)
			cancel()
			return
		}
	}
}

// Info returns what the worker advertises now. Safe for concurrent use.
func (w *Worker) Info() WorkerInfo {
	kinds := make([]string, 0, len(w.handlers))
	for k := range w.handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	now := time.Now()
	return WorkerInfo{
		ID: w.opts.id, Version: w.opts.version, Kinds: kinds, Backends: w.opts.backends,
		Concurrency: w.opts.concurrency, Started: w.stats.started(), Updated: now,
		WorkerStats: w.stats.snapshot(now),
	}
}

// WorkerInfo is what a worker advertises in WorkersBucket, as JSON.
type WorkerInfo struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	// Kinds are the job kinds it runs.
	Kinds []string `json:"kinds"`
	// Backends are the accel backends that can run on it, by kernel.
	Backends    map[string][]string `json:"backends"`
	Concurrency int                 `json:"concurrency"`
	Started     time.Time           `json:"started"`
	Updated     time.Time           `json:"updated"`
	WorkerStats
}

// WorkerStats are a worker's counters and recent performance.
type WorkerStats struct {
	// JobsDone counts jobs whose result was stored, JobsFailed those of
	// them that failed in the handler.
	JobsDone   uint64 `json:"jobs_done"`
	JobsFailed uint64 `json:"jobs_failed"`
	// RecentLatency is the mean handler time of the last statsWindowJobs
	// jobs.
	RecentLatency time.Duration `json:"recent_latency_ns"`
	// Throughput is jobs per second over the last statsWindow.
	Throughput float64 `json:"throughput"`
}

// Windows of WorkerStats.
const (
	statsWindowJobs = 32
	statsWindow     = time.Minute
)

// workerStats accumulates WorkerStats; safe for concurrent use.
type workerStats struct {
	mu struct {
		sync.Mutex
		done, failed uint64
		since        time.Time       // start of the first window
		latencies    []time.Duration // last statsWindowJobs
		finished     []time.Time     // within statsWindow, oldest first
	}
}

// start sets the time the worker started, so that Throughput is not
// diluted over a window the worker did not run in.
func (s *workerStats) start(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.since = now
}

// started returns the time start set (zero before Run).
func (s *workerStats) started() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.since
}

func (s *workerStats) record(now time.Time, elapsed time.Duration, failed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mu.done++
	if failed {
		s.mu.failed++
	}
	s.mu.latencies = append(s.mu.latencies, elapsed)
	if len(s.mu.latencies) > statsWindowJobs {
		s.mu.latencies = s.mu.latencies[1:]
	}
	s.mu.finished = append(s.mu.finished, now)
	s.pruneLocked(now)
}

func (s *workerStats) pruneLocked(now time.Time) {
	i := 0
	for i < len(s.mu.finished) && now.Sub(s.mu.finished[i]) > statsWindow {
		i++
	}
	s.mu.finished = s.mu.finished[i:]
}

func (s *workerStats) snapshot(now time.Time) WorkerStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pruneLocked(now)
	st := WorkerStats{JobsDone: s.mu.done, JobsFailed: s.mu.failed}
	if n := len(s.mu.latencies); n > 0 {
		var sum time.Duration
		for _, l := range s.mu.latencies {
			sum += l
		}
		st.RecentLatency = sum / time.Duration(n)
	}
	if window := min(statsWindow, now.Sub(s.mu.since)); window > 0 && !s.mu.since.IsZero() {
		st.Throughput = float64(len(s.mu.finished)) / window.Seconds()
	}
	return st
}

// String formats the worker's summary for logs and the CLI.
func (i WorkerInfo) String() string {
	return fmt.Sprintf("%s (%s): kinds %v, concurrency %d, %d jobs, %.2f jobs/s, recent latency %v",
		i.ID, i.Version, i.Kinds, i.Concurrency, i.JobsDone, i.Throughput, i.RecentLatency.Round(time.Millisecond))
}
