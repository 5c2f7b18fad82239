package farm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Stream, consumer and bucket names and subject prefixes of the farm.
const (
	// JobsStream holds queued jobs (WorkQueue retention: a job is removed
	// when a worker acknowledges it).
	JobsStream = "CAIRN_FARM_JOBS"
	// ResultsStream holds results until ResultTTL.
	ResultsStream = "CAIRN_FARM_RESULTS"
	// WorkersBucket is the KV bucket where workers advertise themselves.
	WorkersBucket = "cairn-farm-workers"
	// JobSubjectPrefix + kind is the subject of a kind's jobs.
	JobSubjectPrefix = "cairn.farm.jobs."
	// ResultSubjectPrefix + submitter + "." + job id is a result's subject.
	ResultSubjectPrefix = "cairn.farm.results."
	// consumerPrefix + kind is the durable consumer the workers share.
	consumerPrefix = "workers-"
)

// Defaults of Config.
const (
	// DefaultAckWait is how long a job may go without an acknowledgement
	// or InProgress before JetStream delivers it again.
	DefaultAckWait = 30 * time.Second
	// DefaultMaxDeliver is how often a job is delivered before JetStream
	// gives up on it.
	DefaultMaxDeliver = 10
	// DefaultResultTTL is how long results are kept.
	DefaultResultTTL = time.Hour
	// DefaultJobTTL is how long a job waits for a worker.
	DefaultJobTTL = 24 * time.Hour
	// DefaultDedupWindow is JetStream's duplicate window for job and
	// result message ids.
	DefaultDedupWindow = 10 * time.Minute
	// DefaultHeartbeat is how often workers refresh their advertisement;
	// an advertisement lapses after 3 heartbeats.
	DefaultHeartbeat = 5 * time.Second
)

// maxKindLen bounds a kind name (it is a subject token and part of a
// consumer name).
const maxKindLen = 32

// ErrClosed reports use of a Submitter or Worker after Close.
var ErrClosed = errors.New("farm: closed")

// Config is the farm-wide JetStream setup. Submitters and workers of one
// farm must use the same values: each creates or updates the streams and
// consumers, and the last one wins. The zero value means the defaults.
type Config struct {
	// AckWait: see DefaultAckWait. Tests use a second or two.
	AckWait time.Duration
	// MaxDeliver: see DefaultMaxDeliver.
	MaxDeliver int
	// ResultTTL: see DefaultResultTTL.
	ResultTTL time.Duration
	// JobTTL: see DefaultJobTTL.
	JobTTL time.Duration
	// DedupWindow: see DefaultDedupWindow; at most ResultTTL and JobTTL.
	DedupWindow time.Duration
	// Heartbeat: see DefaultHeartbeat.
	Heartbeat time.Duration
	// Replicas of the streams and bucket on a clustered NATS; 0 means 1.
	Replicas int
}

// withDefaults returns c with zero fields set to the defaults.
func (c Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.AckWait, DefaultAckWait)
	def(&c.ResultTTL, DefaultResultTTL)
	def(&c.JobTTL, DefaultJobTTL)
	def(&c.DedupWindow, DefaultDedupWindow)
	def(&c.Heartbeat, DefaultHeartbeat)
	c.DedupWindow = min(c.DedupWindow, c.ResultTTL, c.JobTTL)
	if c.MaxDeliver <= 0 {
		c.MaxDeliver = DefaultMaxDeliver
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	return c
}

// ensureStreams creates or updates the jobs and results streams.
func ensureStreams(ctx context.Context, js jetstream.JetStream, c Config) error {
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        JobsStream,
		Description: "Cairn prover farm: queued jobs",
		Subjects:    []string{JobSubjectPrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		MaxAge:      c.JobTTL,
		Duplicates:  c.DedupWindow,
		Storage:     jetstream.FileStorage,
		Replicas:    c.Replicas,
	})
	if err != nil {
		return fmt.Errorf("farm: create stream %s (is JetStream enabled on the NATS server?): %w", JobsStream, err)
	}
	_, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        ResultsStream,
		Description: "Cairn prover farm: results",
		Subjects:    []string{ResultSubjectPrefix + ">"},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      c.ResultTTL,
		Duplicates:  c.DedupWindow,
		Storage:     jetstream.FileStorage,
		Replicas:    c.Replicas,
	})
	if err != nil {
		return fmt.Errorf("farm: create stream %s: %w", ResultsStream, err)
	}
	return nil
}

// workersBucket creates or opens the workers' KV bucket.
func workersBucket(ctx context.Context, js jetstream.JetStream, c Config) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      WorkersBucket,
		Description: "Cairn prover farm: worker advertisements",
		TTL:         3 * c.Heartbeat,
		Storage:     jetstream.FileStorage,
		Replicas:    c.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("farm: create KV bucket %s: %w", WorkersBucket, err)
	}
	return kv, nil
}

// ensureConsumer creates or updates the shared pull consumer of kind.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, c Config, kind string) (jetstream.Consumer, error) {
	cons, err := js.CreateOrUpdateConsumer(ctx, JobsStream, jetstream.ConsumerConfig{
		Durable:       consumerPrefix + kind,
		Description:   "Cairn prover farm workers of " + kind,
		FilterSubject: JobSubjectPrefix + kind,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.AckWait,
		MaxDeliver:    c.MaxDeliver,
		MaxAckPending: -1,
		Replicas:      c.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("farm: create consumer for kind %s: %w", kind, err)
	}
	return cons, nil
}

// CheckKind returns an error unless kind is a valid kind name: 1 to 32
// bytes of a-z, 0-9 and '-'.
func CheckKind(kind string) error {
	if kind == "" || len(kind) > maxKindLen {
		return fmt.Errorf("farm: kind %q: want 1 to %d bytes", kind, maxKindLen)
	}
	for _, c := range []byte(kind) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("farm: kind %q: only a-z, 0-9 and '-' are allowed", kind)
		}
	}
	return nil
}
