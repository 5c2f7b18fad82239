package farm

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/buildinfo"
)

// Option configures a Submitter or a Worker; each option says which it
// applies to and is ignored by the other.
type Option func(*options) error

type options struct {
	farm        Config
	id          string
	logger      *slog.Logger
	concurrency int
	backends    map[string][]string
	version     string
	registerer  prometheus.Registerer
	maxAttempts int
}

// DefaultMaxAttempts is how many times a Submitter submits a job whose
// results fail verification before it gives up.
const DefaultMaxAttempts = 3

func newOptions(opts []Option) (options, error) {
	o := options{concurrency: 1, maxAttempts: DefaultMaxAttempts, version: buildinfo.Read().Version}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return options{}, err
		}
	}
	o.farm = o.farm.withDefaults()
	if o.logger == nil {
		o.logger = slog.Default().With("subsys", "node/farm")
	}
	if o.id == "" {
		id, err := newJobID()
		if err != nil {
			return options{}, err
		}
		host, _ := os.Hostname()
		o.id = id[:12]
		if CheckID(host+"-"+o.id) == nil {
			o.id = host + "-" + o.id
		}
	}
	return o, nil
}

// WithConfig sets the farm-wide JetStream setup (Submitter and Worker);
// the default is the zero Config, that is the defaults.
func WithConfig(c Config) Option {
	return func(o *options) error {
		o.farm = c
		return nil
	}
}

// WithID sets the submitter's or worker's id (see CheckID). The default is
// <hostname>-<12 random hex digits>. Two live submitters or workers must
// not share an id.
func WithID(id string) Option {
	return func(o *options) error {
		if err := CheckID(id); err != nil {
			return fmt.Errorf("farm: %w", err)
		}
		o.id = id
		return nil
	}
}

// WithLogger sets the logger (Submitter and Worker); the default is
// slog.Default() with subsys=node/farm.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		o.logger = l
		return nil
	}
}

// WithConcurrency sets how many jobs of each kind a Worker runs at once
// (default 1). An RLN proof already spreads its MSMs over all cores, so
// more than one only helps while one proof leaves cores idle.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("farm: concurrency %d: want at least 1", n)
		}
		o.concurrency = n
		return nil
	}
}

// WithBackends sets the accel backends a Worker advertises, by kernel
// (e.g. {"msm": ["go", "icicle"]}). The default is every available
// backend of accel.DefaultRouter's table.
func WithBackends(b map[string][]string) Option {
	return func(o *options) error {
		o.backends = b
		return nil
	}
}

// WithRegisterer registers a Submitter's Prometheus series with reg (see
// package doc); the default registers nothing.
func WithRegisterer(reg prometheus.Registerer) Option {
	return func(o *options) error {
		o.registerer = reg
		return nil
	}
}

// WithMaxAttempts sets how many times a Submitter submits a job whose
// results fail verification (default DefaultMaxAttempts).
func WithMaxAttempts(n int) Option {
	return func(o *options) error {
		if n < 1 || n > maxAttempt {
			return fmt.Errorf("farm: max attempts %d: want 1 to %d", n, maxAttempt)
		}
		o.maxAttempts = n
		return nil
	}
}

// availableBackends lists the backends that can run here, by kernel, from
// the process's accel router.
func availableBackends() map[string][]string {
	r, err := accel.DefaultRouter()
	if r == nil {
		return nil
	}
	_ = err // a malformed CAIRN_ACCEL* still leaves the probed table
	out := map[string][]string{}
	for _, row := range r.Table() {
		if row.Available {
			out[string(row.Kernel)] = append(out[string(row.Kernel)], string(row.Backend))
		}
	}
	return out
}
