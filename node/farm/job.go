package farm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
)

// Handler runs one kind's jobs on a worker.
type Handler interface {
	// Handle turns a job's payload into its result. An error is final for
	// the job (bad input): the submitter gets it as ErrJobFailed and the job
	// is not retried. An error wrapping ErrWorkerFault instead blames this
	// worker (a broken backend): the job goes back to the queue for
	// another worker, up to Config.MaxDeliver deliveries. ctx ends when the worker stops; Handle
	// should then return soon (the job is delivered again elsewhere).
	// Handle is called concurrently, up to the worker's concurrency; it
	// must not retain payload, and the worker does not modify the result.
	Handle(ctx context.Context, payload []byte) (result []byte, err error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// ErrWorkerFault marks a Handler error as the worker's fault rather than
// the input's: the job is delivered again (to any worker) instead of
// failing.
var ErrWorkerFault = errors.New("farm: worker fault")

// workerFaultRetryDelay is how long a job failed by ErrWorkerFault waits
// before it is delivered again.
const workerFaultRetryDelay = time.Second

// Verifier checks results on the submitter.
type Verifier interface {
	// Verify returns nil when result is a correct result of payload, and
	// an error saying what is wrong otherwise. It must not trust anything
	// in result that it can recompute from payload. Called concurrently;
	// it must not retain or modify its arguments.
	Verify(payload, result []byte) error
}

// VerifierFunc adapts a function to Verifier.
type VerifierFunc func(payload, result []byte) error

// Verify calls f.
func (f VerifierFunc) Verify(payload, result []byte) error { return f(payload, result) }

// Header names of job and result messages.
const (
	hdrJob       = "Cairn-Farm-Job"
	hdrAttempt   = "Cairn-Farm-Attempt"
	hdrSubmitter = "Cairn-Farm-Submitter"
	hdrWorker    = "Cairn-Farm-Worker"
	hdrElapsed   = "Cairn-Farm-Elapsed-Ns"
	hdrError     = "Cairn-Farm-Error"
)

// Limits of the envelope fields.
const (
	// maxIDLen bounds submitter and worker ids (subject tokens and metric
	// labels).
	maxIDLen = 64
	// maxAttempt bounds the attempt number a message may carry.
	maxAttempt = 1000
	// maxErrorLen bounds a worker's error text in a result.
	maxErrorLen = 1024
	// maxElapsed bounds a plausible job duration.
	maxElapsed = 24 * time.Hour
)

// ErrBadMessage reports a job or result message whose envelope headers are
// missing or malformed.
var ErrBadMessage = errors.New("farm: malformed message")

// jobEnvelope is what a job message carries besides its payload.
type jobEnvelope struct {
	// ID is the job id: 128 random bits, lower-case hex.
	ID string
	// Attempt counts the submissions of the job, from 1.
	Attempt int
	// Submitter is the submitter's id; the result goes to
	// ResultSubjectPrefix + Submitter + "." + ID.
	Submitter string
}

// resultEnvelope is what a result message carries besides its result.
type resultEnvelope struct {
	Job     string
	Attempt int
	Worker  string
	// Elapsed is the time the worker's handler took.
	Elapsed time.Duration
	// Err is the handler's error; empty for a result.
	Err string
}

// newJobID returns a random 128-bit job id in lower-case hex.
func newJobID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("farm: job id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// msgID is the Nats-Msg-Id of an attempt's job and result.
func msgID(job string, attempt int) string { return job + "." + strconv.Itoa(attempt) }

// resultSubject is where the result of job for submitter goes.
func resultSubject(submitter, job string) string {
	return ResultSubjectPrefix + submitter + "." + job
}

func (e jobEnvelope) header() nats.Header {
	h := nats.Header{}
	h.Set(hdrJob, e.ID)
	h.Set(hdrAttempt, strconv.Itoa(e.Attempt))
	h.Set(hdrSubmitter, e.Submitter)
	return h
}

// decodeJobEnvelope reads a job's envelope; errors wrap ErrBadMessage.
// The submitter id is checked so that a worker only ever publishes under
// ResultSubjectPrefix, whatever a job says.
func decodeJobEnvelope(h nats.Header) (jobEnvelope, error) {
	var e jobEnvelope
	var err error
	if e.ID, err = jobIDHeader(h); err != nil {
		return jobEnvelope{}, err
	}
	if e.Attempt, err = attemptHeader(h); err != nil {
		return jobEnvelope{}, err
	}
	e.Submitter = h.Get(hdrSubmitter)
	if err := CheckID(e.Submitter); err != nil {
		return jobEnvelope{}, fmt.Errorf("%w: %s: %w", ErrBadMessage, hdrSubmitter, err)
	}
	return e, nil
}

func (e resultEnvelope) header() nats.Header {
	h := nats.Header{}
	h.Set(hdrJob, e.Job)
	h.Set(hdrAttempt, strconv.Itoa(e.Attempt))
	h.Set(hdrWorker, e.Worker)
	h.Set(hdrElapsed, strconv.FormatInt(int64(e.Elapsed), 10))
	if e.Err != "" {
		msg := e.Err
		if len(msg) > maxErrorLen {
			msg = msg[:maxErrorLen]
		}
		h.Set(hdrError, msg)
	}
	return h
}

// decodeResultEnvelope reads a result's envelope; errors wrap
// ErrBadMessage.
func decodeResultEnvelope(h nats.Header) (resultEnvelope, error) {
	var e resultEnvelope
	var err error
	if e.Job, err = jobIDHeader(h); err != nil {
		return resultEnvelope{}, err
	}
	if e.Attempt, err = attemptHeader(h); err != nil {
		return resultEnvelope{}, err
	}
	e.Worker = h.Get(hdrWorker)
	if err := CheckID(e.Worker); err != nil {
		return resultEnvelope{}, fmt.Errorf("%w: %s: %w", ErrBadMessage, hdrWorker, err)
	}
	ns, err := strconv.ParseInt(h.Get(hdrElapsed), 10, 64)
	if err != nil || ns < 0 || time.Duration(ns) > maxElapsed {
		return resultEnvelope{}, fmt.Errorf("%w: %s %q: want nanoseconds in [0, %v]", ErrBadMessage, hdrElapsed, h.Get(hdrElapsed), maxElapsed)
	}
	e.Elapsed = time.Duration(ns)
	e.Err = h.Get(hdrError)
	if len(e.Err) > maxErrorLen {
		return resultEnvelope{}, fmt.Errorf("%w: %s is %d bytes, at most %d", ErrBadMessage, hdrError, len(e.Err), maxErrorLen)
	}
	return e, nil
}

func jobIDHeader(h nats.Header) (string, error) {
	id := h.Get(hdrJob)
	if len(id) != 32 {
		return "", fmt.Errorf("%w: %s %q: want 32 hex digits", ErrBadMessage, hdrJob, id)
	}
	for _, c := range []byte(id) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", fmt.Errorf("%w: %s %q: want lower-case hex", ErrBadMessage, hdrJob, id)
		}
	}
	return id, nil
}

func attemptHeader(h nats.Header) (int, error) {
	n, err := strconv.Atoi(h.Get(hdrAttempt))
	if err != nil || n < 1 || n > maxAttempt {
		return 0, fmt.Errorf("%w: %s %q: want 1 to %d", ErrBadMessage, hdrAttempt, h.Get(hdrAttempt), maxAttempt)
	}
	return n, nil
}

// CheckID returns an error unless id is a valid submitter or worker id:
// 1 to 64 bytes of A-Z, a-z, 0-9, '-' and '_' (a NATS subject token and a
// Prometheus label value).
func CheckID(id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("id %q: want 1 to %d bytes", id, maxIDLen)
	}
	for _, c := range []byte(id) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("id %q: only A-Z, a-z, 0-9, '-' and '_' are allowed", id)
		}
	}
	return nil
}
