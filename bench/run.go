package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cairn-node/cairn/accel"
)

// Options configures a run. The zero value runs the full suite for one
// second per measurement, without writing files or progress.
type Options struct {
	// Quick runs only the Quick cases with short measurements (BENCH=quick);
	// it finishes in well under two minutes on 2 cores.
	Quick bool
	// Filter, when set, keeps the cases whose "kernel params" contains it.
	Filter string
	// Backends to measure; nil means every backend (unavailable ones are
	// listed as skipped).
	Backends []accel.Backend
	// Duration is how long each measurement round runs; zero means 1 s
	// (200 ms with Quick). Each value is the best of Rounds rounds, and the
	// backends of a case take turns round by round.
	Duration time.Duration
	// Rounds per measurement; zero means 3.
	Rounds int
	// Progress receives a progress bar (nil: none).
	Progress io.Writer
}

// Header describes the machine and build of a run.
type Header struct {
	Host      string    `json:"host"`
	Date      time.Time `json:"date"`
	CPU       string    `json:"cpu"`
	Arch      string    `json:"arch"`
	Cores     int       `json:"cores"`
	Features  []string  `json:"cpu_features"`
	GoVersion string    `json:"go_version"`
	Commit    string    `json:"commit"`
	Quick     bool      `json:"quick"`
}

// Record is one measurement: value in unit for kernel × backend × params.
type Record struct {
	Kernel  string  `json:"kernel"`
	Backend string  `json:"backend"`
	Params  string  `json:"params"`
	Unit    string  `json:"unit"`
	Value   float64 `json:"value"`
	// Skipped, when set, says why the backend was not measured (Value 0).
	Skipped string `json:"skipped,omitempty"`
}

// Report is a whole run: what the JSON file holds.
type Report struct {
	Header  Header   `json:"header"`
	Records []Record `json:"records"`
	// Gauges are the readings that are not rates (see Gauge).
	Gauges []Gauge `json:"gauges,omitempty"`
}

// Run measures the suite. It stops early, with ctx's error, when ctx ends.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if opt.Duration == 0 {
		opt.Duration = time.Second
		if opt.Quick {
			opt.Duration = 200 * time.Millisecond
		}
	}
	if opt.Rounds == 0 {
		opt.Rounds = 3
	}
	backends := opt.Backends
	if backends == nil {
		backends = accel.Backends
	}
	var cases []Case
	for _, c := range Cases() {
		if (opt.Quick && !c.Quick) || !strings.Contains(c.Kernel+" "+c.Params, opt.Filter) {
			continue
		}
		cases = append(cases, c)
	}
	gauges := selectGauges(opt)
	rep := &Report{Header: header(opt.Quick)}
	steps := len(gauges)
	for _, c := range cases {
		steps += len(backends)
		if c.Peer != nil {
			steps++
		}
	}
	bar := newProgress(opt.Progress, steps)
	defer bar.done()
	for _, c := range cases {
		recs, err := runCase(ctx, c, backends, opt, bar)
		rep.Records = append(rep.Records, recs...)
		if err != nil {
			return rep, err
		}
	}
	var err error
	rep.Gauges, err = readGauges(ctx, gauges, bar)
	return rep, err
}

// runCase measures case c on every backend (and its peer): all targets are
// set up first, then measured in turns, round by round, so that noise from
// the machine falls on all of them alike.
func runCase(ctx context.Context, c Case, backends []accel.Backend, opt Options, bar *progress) ([]Record, error) {
	defer runCaseCleanups()
	type target struct {
		name  string
		setup func() (func() error, float64, error)
	}
	var targets []target
	for _, b := range backends {
		targets = append(targets, target{string(b), func() (func() error, float64, error) { return c.Setup(b) }})
	}
	if c.Peer != nil {
		targets = append(targets, target{c.PeerName, c.Peer})
	}
	// Set every target up, then measure them in turns, round by round,
	// so that noise from the machine falls on all of them alike.
	recs := make([]Record, len(targets))
	ops := make([]func() error, len(targets))
	works := make([]float64, len(targets))
	for i, tg := range targets {
		recs[i] = Record{Kernel: c.Kernel, Backend: tg.name, Params: c.Params, Unit: c.Unit}
		op, work, err := tg.setup()
		if err == nil {
			err = op() // warm-up: caches, tables, lazy init
		}
		switch {
		case errors.Is(err, accel.ErrUnavailable):
			recs[i].Skipped = err.Error()
		case err != nil:
			return nil, fmt.Errorf("bench: %s %s on %s: %w", c.Kernel, c.Params, tg.name, err)
		default:
			ops[i], works[i] = op, work
		}
	}
	for r := 0; r < opt.Rounds; r++ {
		for i, op := range ops {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if r == 0 {
				bar.step(fmt.Sprintf("%s %s %s", c.Kernel, c.Params, targets[i].name))
			}
			if op == nil {
				continue
			}
			v, err := measure(op, works[i], opt.Duration)
			if err != nil {
				return nil, fmt.Errorf("bench: %s %s on %s: %w", c.Kernel, c.Params, targets[i].name, err)
			}
			if c.Unit == "MB/s" {
				v /= 1e6
			}
			recs[i].Value = max(recs[i].Value, v)
		}
	}
	return recs, nil
}

// caseCleanups are the release functions Setup registered with
// atCaseEnd. Run is sequential, so one list serves.
var caseCleanups []func()

// atCaseEnd registers f to run when the current case has been measured:
// Setup functions use it to stop servers and remove temporary directories.
func atCaseEnd(f func()) { caseCleanups = append(caseCleanups, f) }

func runCaseCleanups() {
	for i := len(caseCleanups) - 1; i >= 0; i-- {
		caseCleanups[i]()
	}
	caseCleanups = nil
}

// measure calls op for at least d and returns the work done per second.
func measure(op func() error, work float64, d time.Duration) (float64, error) {
	n := 0
	start := time.Now()
	var el time.Duration
	for el < d || n == 0 {
		if err := op(); err != nil {
			return 0, err
		}
		n++
		el = time.Since(start)
	}
	return work * float64(n) / el.Seconds(), nil
}

func header(quick bool) Header {
	host, _ := os.Hostname()
	caps := accel.Probe()
	h := Header{
		Host: host, Date: time.Now().UTC(), CPU: caps.CPUModel, Arch: caps.Arch,
		Cores: runtime.GOMAXPROCS(0), Features: caps.Features, GoVersion: runtime.Version(), Quick: quick,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				h.Commit = s.Value
			}
		}
	}
	if h.Commit == "" {
		// `go run` does not stamp VCS information; ask git, which `make
		// bench` runs next to.
		if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			h.Commit = strings.TrimSpace(string(out))
		}
	}
	return h
}
