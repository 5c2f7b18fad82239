package farm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// ErrJobFailed reports a job whose handler failed on a worker; the error
// text carries the worker's id and message. It is final: the same input
// fails again.
var ErrJobFailed = errors.New("farm: job failed on the worker")

// ErrBadResult reports a job whose results failed verification on every
// attempt; the error names the workers that sent them. Those workers are
// faulty or malicious: check their accel backends (CAIRN_ACCEL=go forces
// the reference) or remove them from the farm.
var ErrBadResult = errors.New("farm: results failed verification")

// ErrNoVerifier reports a Submit of a kind the Submitter has no Verifier
// for.
var ErrNoVerifier = errors.New("farm: no verifier for this kind")

// Submitter submits jobs and returns their verified results. Create it
// with NewSubmitter; it is safe for concurrent use.
type Submitter struct {
	js        jetstream.JetStream
	verifiers map[string]Verifier
	opts      options
	metrics   *metrics
	consume   jetstream.ConsumeContext

	mu struct {
		sync.Mutex
		closed  bool
		pending map[string]*pendingJob // by job id
	}
}

// pendingJob is a Submit waiting for its result.
type pendingJob struct {
	kind string
	// attempt and delivered are guarded by Submitter.mu.
	attempt   int
	delivered bool // a result of attempt has been handed over
	results   chan delivery
}

// delivery is a result handed from the results consumer to Submit.
type delivery struct {
	env  resultEnvelope
	data []byte
}

// NewSubmitter sets up the farm's streams and starts consuming this
// submitter's results. verifiers gives, by kind, how results are checked;
// Submit refuses other kinds. Options: WithConfig, WithID, WithLogger,
// WithRegisterer, WithMaxAttempts. The caller owns js's connection and
// must keep it open until Close.
func NewSubmitter(ctx context.Context, js jetstream.JetStream, verifiers map[string]Verifier, opts ...Option) (*Submitter, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := ensureStreams(ctx, js, o.farm); err != nil {
		return nil, err
	}
	s := &Submitter{js: js, verifiers: verifiers, opts: o, metrics: newMetrics()}
	s.mu.pending = map[string]*pendingJob{}
	cons, err := js.OrderedConsumer(ctx, ResultsStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{ResultSubjectPrefix + o.id + ".>"},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("farm: consume results: %w", err)
	}
	if s.consume, err = cons.Consume(s.receive); err != nil {
		return nil, fmt.Errorf("farm: consume results: %w", err)
	}
	// Registered last, so a NewSubmitter that failed can be retried with
	// the same registry.
	if o.registerer != nil {
		if err := s.metrics.register(o.registerer); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// ID returns the submitter's id: results come back on
// ResultSubjectPrefix + ID + ".<job id>".
func (s *Submitter) ID() string { return s.opts.id }

// Close stops consuming results; Submits in flight return ErrClosed. Safe
// to call more than once.
func (s *Submitter) Close() error {
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return nil
	}
	s.mu.closed = true
	for _, pj := range s.mu.pending {
		close(pj.results)
	}
	s.mu.pending = nil
	s.mu.Unlock()
	s.consume.Stop()
	<-s.consume.Closed()
	return nil
}

// receive hands a result to its Submit, or counts it as a duplicate.
func (s *Submitter) receive(msg jetstream.Msg) {
	env, err := decodeResultEnvelope(msg.Headers())
	if err != nil {
		s.metrics.malformed.Inc()
		s.opts.logger.Warn("drop malformed result", "subject", msg.Subject(), "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pj := s.mu.pending[env.Job]
	if pj == nil || env.Attempt != pj.attempt || pj.delivered {
		// A second result of an attempt, a result of an attempt
		// already given up, or one of a finished job.
		kind := "unknown"
		if pj != nil {
			kind = pj.kind
		}
		s.metrics.duplicates.WithLabelValues(kind).Inc()
		return
	}
	pj.delivered = true
	pj.results <- delivery{env: env, data: slices.Clone(msg.Data())} // cap 1, empty: see Submit
}

// Submit runs payload as a job of kind on the farm and returns its
// verified result. It blocks until the result arrives and verifies, the
// job fails, or ctx ends (there is no other timeout: give ctx a deadline).
// A result that fails verification is counted, logged with the worker's
// id, and the job submitted again, up to the max attempts; then the error
// wraps ErrBadResult. A handler error wraps ErrJobFailed. Other errors:
// ErrNoVerifier, ErrClosed, ctx's error, or the publish's. Submit copies
// payload before returning; the result belongs to the caller.
func (s *Submitter) Submit(ctx context.Context, kind string, payload []byte) ([]byte, error) {
	v := s.verifiers[kind]
	if v == nil {
		return nil, fmt.Errorf("%w %q (pass one to NewSubmitter)", ErrNoVerifier, kind)
	}
	id, err := newJobID()
	if err != nil {
		return nil, err
	}
	pj := &pendingJob{kind: kind, attempt: 1, results: make(chan delivery, 1)}
	s.mu.Lock()
	if s.mu.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	s.mu.pending[id] = pj
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if !s.mu.closed {
			delete(s.mu.pending, id)
		}
		s.mu.Unlock()
	}()

	start := time.Now()
	var bad []string
	var lastErr error
	for attempt := 1; attempt <= s.opts.maxAttempts; attempt++ {
		if attempt > 1 {
			s.mu.Lock()
			pj.attempt, pj.delivered = attempt, false
			s.mu.Unlock()
		}
		if err := s.publish(ctx, kind, id, attempt, payload); err != nil {
			return nil, err
		}
		var d delivery
		var ok bool
		select {
		case d, ok = <-pj.results:
			if !ok {
				return nil, ErrClosed
			}
		case <-ctx.Done():
			s.metrics.failed.WithLabelValues(kind).Inc()
			return nil, fmt.Errorf("farm: job %s (%s): %w (are workers running? see GET /api/farm/v1/status)", id, kind, ctx.Err())
		}
		s.metrics.latency.WithLabelValues(kind, d.env.Worker).Observe(d.env.Elapsed.Seconds())
		if d.env.Err != "" {
			s.metrics.failed.WithLabelValues(kind).Inc()
			return nil, fmt.Errorf("%w: job %s (%s) on worker %s: %s", ErrJobFailed, id, kind, d.env.Worker, d.env.Err)
		}
		if err := v.Verify(payload, d.data); err != nil {
			s.metrics.badResults.WithLabelValues(kind, d.env.Worker).Inc()
			s.opts.logger.Warn("result failed verification", "kind", kind, "job", id, "attempt", attempt, "worker", d.env.Worker, "err", err)
			bad, lastErr = append(bad, d.env.Worker), err
			continue
		}
		s.metrics.completed.WithLabelValues(kind).Inc()
		s.metrics.roundTrip.WithLabelValues(kind).Observe(time.Since(start).Seconds())
		return d.data, nil
	}
	s.metrics.failed.WithLabelValues(kind).Inc()
	return nil, fmt.Errorf("%w: job %s (%s): %d attempts, bad results from workers %s: last: %w",
		ErrBadResult, id, kind, len(bad), strings.Join(bad, ", "), lastErr)
}

// publish stores attempt of job id in the jobs stream.
func (s *Submitter) publish(ctx context.Context, kind, id string, attempt int, payload []byte) error {
	env := jobEnvelope{ID: id, Attempt: attempt, Submitter: s.opts.id}
	msg := &nats.Msg{Subject: JobSubjectPrefix + kind, Header: env.header(), Data: payload}
	if _, err := s.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID(id, attempt))); err != nil {
		return fmt.Errorf("farm: submit job %s (%s): %w", id, kind, err)
	}
	s.metrics.submitted.WithLabelValues(kind).Inc()
	return nil
}
