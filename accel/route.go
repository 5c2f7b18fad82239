package accel

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
)

// Never is a MinSize meaning "never picked automatically": the backend runs
// only when configuration asks for it by name.
const Never = -1

// Registration describes one backend of one kernel. Kernel packages register
// theirs from init, so importing a kernel package makes it routable.
type Registration struct {
	// Kernel and Backend identify the pair.
	Kernel  Kernel
	Backend Backend
	// Available returns nil when the backend can run on this machine, or an
	// error wrapping ErrUnavailable that says why not and what to do.
	Available func() error
	// MinSize returns the smallest input size, in the kernel's unit, from
	// which the router picks this backend automatically, or Never. It is a
	// function of the probed machine because thresholds differ by device
	// (the icicle CPU device is never picked; a GPU is picked above the
	// size where it wins in `make bench`).
	MinSize func(Caps) int
	// Unit names the size unit: "bytes", "hashes", "leaves".
	Unit string
}

var registry struct {
	mu   sync.Mutex
	regs []Registration
}

// Register adds a backend of a kernel to the routing registry. Registering
// the same kernel and backend twice replaces the first registration. It is
// meant for init functions of kernel packages; safe for concurrent use.
func Register(r Registration) {
	if r.Available == nil || r.MinSize == nil {
		panic("BUG: accel.Register needs Available and MinSize")
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	for i, old := range registry.regs {
		if old.Kernel == r.Kernel && old.Backend == r.Backend {
			registry.regs[i] = r
			return
		}
	}
	registry.regs = append(registry.regs, r)
}

// registrations returns the registered backends of k, in Backends order.
func registrations(k Kernel) []Registration {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	var out []Registration
	for _, r := range registry.regs {
		if r.Kernel == k {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Registration) int {
		return slices.Index(Backends, a.Backend) - slices.Index(Backends, b.Backend)
	})
	return out
}

// Policy is the configured part of routing. The zero value routes by
// measurement alone.
type Policy struct {
	// Force routes every kernel to one backend (CAIRN_ACCEL). Empty means
	// automatic.
	Force Backend `toml:"backend" json:"backend,omitempty"`
	// Kernels routes single kernels and takes precedence over Force
	// (CAIRN_ACCEL_<KERNEL>, e.g. CAIRN_ACCEL_ERASURE=go).
	Kernels map[Kernel]Backend `toml:"kernels" json:"kernels,omitempty"`
}

// PolicyFromEnv reads CAIRN_ACCEL and CAIRN_ACCEL_<KERNEL> through getenv
// (os.Getenv when nil). Unknown backend names are errors.
func PolicyFromEnv(getenv func(string) string) (Policy, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var p Policy
	if v := getenv("CAIRN_ACCEL"); v != "" && v != "auto" {
		b, err := ParseBackend(v)
		if err != nil {
			return p, fmt.Errorf("CAIRN_ACCEL: %w", err)
		}
		p.Force = b
	}
	for _, k := range Kernels {
		name := "CAIRN_ACCEL_" + strings.ToUpper(string(k))
		v := getenv(name)
		if v == "" || v == "auto" {
			continue
		}
		b, err := ParseBackend(v)
		if err != nil {
			return p, fmt.Errorf("%s: %w", name, err)
		}
		if p.Kernels == nil {
			p.Kernels = map[Kernel]Backend{}
		}
		p.Kernels[k] = b
	}
	return p, nil
}

// Merge returns p with the settings of over laid on top.
func (p Policy) Merge(over Policy) Policy {
	out := Policy{Force: p.Force, Kernels: map[Kernel]Backend{}}
	for k, b := range p.Kernels {
		out.Kernels[k] = b
	}
	if over.Force != "" {
		out.Force = over.Force
	}
	for k, b := range over.Kernels {
		out.Kernels[k] = b
	}
	return out
}

// Router picks a backend for each kernel call from the probe, the registered
// thresholds and the policy. It is immutable and safe for concurrent use.
type Router struct {
	caps   Caps
	policy Policy
}

// NewRouter returns a router for a machine and a policy.
func NewRouter(caps Caps, p Policy) *Router { return &Router{caps: caps, policy: p} }

var (
	defaultRouterOnce sync.Once
	defaultRouter     *Router
	defaultRouterErr  error
)

// DefaultRouter returns the router for this process: Probe() and the policy
// from the environment. The error reports a malformed CAIRN_ACCEL*.
func DefaultRouter() (*Router, error) {
	defaultRouterOnce.Do(func() {
		p, err := PolicyFromEnv(nil)
		defaultRouter, defaultRouterErr = NewRouter(Probe(), p), err
	})
	return defaultRouter, defaultRouterErr
}

// PickDefault returns the backend that the DefaultRouter picks for one
// call of kernel k on size units, what (e.g. "points") naming the unit in
// errors: a malformed CAIRN_ACCEL* variable, or a backend the policy
// names for k that cannot run here (wrapping ErrUnavailable). Each
// kernel's ForSize is PickDefault followed by its New.
func PickDefault(k Kernel, size int, what string) (Backend, error) {
	r, err := DefaultRouter()
	if err != nil {
		return "", fmt.Errorf("route %d %s: %w (fix the CAIRN_ACCEL* environment)", size, what, err)
	}
	b, err := r.Pick(k, size)
	if err != nil {
		return "", fmt.Errorf("route %d %s: %w", size, what, err)
	}
	return b, nil
}

// Caps returns the probe the router decides on.
func (r *Router) Caps() Caps { return r.caps }

// Policy returns the configured policy.
func (r *Router) Policy() Policy { return r.policy }

// Pick returns the backend for one call of kernel k on an input of size
// units.
//
// A backend the policy names for k alone (Policy.Kernels) is returned when
// it is available, and an error wrapping ErrUnavailable otherwise: an
// explicit request is never silently downgraded. The process-wide choice
// (Policy.Force, CAIRN_ACCEL) applies to every kernel that has an
// implementation for that backend, with the same strictness; kernels with
// no such implementation at all (Reed-Solomon on icicle, say) keep
// automatic routing.
//
// Automatic routing returns the last backend in Backends order whose
// threshold size reaches and which is available, so small inputs stay on
// the cheapest backend.
func (r *Router) Pick(k Kernel, size int) (Backend, error) {
	regs := registrations(k)
	if len(regs) == 0 {
		return "", fmt.Errorf("accel: no backend registered for kernel %q (import its package)", k)
	}
	if want := r.policy.Kernels[k]; want != "" {
		return pickForced(k, want, regs)
	}
	if want := r.policy.Force; want != "" && slices.ContainsFunc(regs, func(reg Registration) bool { return reg.Backend == want }) {
		return pickForced(k, want, regs)
	}
	best := Go
	for _, reg := range regs {
		min := reg.MinSize(r.caps)
		if min == Never || size < min || reg.Available() != nil {
			continue
		}
		best = reg.Backend
	}
	return best, nil
}

func pickForced(k Kernel, want Backend, regs []Registration) (Backend, error) {
	for _, reg := range regs {
		if reg.Backend == want {
			if err := reg.Available(); err != nil {
				return "", fmt.Errorf("accel: kernel %s: %s requested by configuration: %w", k, want, err)
			}
			return want, nil
		}
	}
	return "", fmt.Errorf("accel: kernel %s has no %s backend: %w", k, want, ErrUnavailable)
}

// Route is one row of the routing table.
type Route struct {
	Kernel  Kernel  `json:"kernel"`
	Backend Backend `json:"backend"`
	// Available is true when the backend can run here; Reason says why not.
	Available bool   `json:"available"`
	Reason    string `json:"reason,omitempty"`
	// MinSize is the automatic threshold (Never = only on request) and Unit
	// its unit.
	MinSize int    `json:"min_size"`
	Unit    string `json:"unit"`
	// Forced is true when the policy names this backend for this kernel.
	Forced bool `json:"forced,omitempty"`
}

// Table returns the routing table: one row per registered kernel and
// backend, kernels in Kernels order.
func (r *Router) Table() []Route {
	var rows []Route
	for _, k := range Kernels {
		want := r.policy.Kernels[k]
		if want == "" {
			want = r.policy.Force
		}
		for _, reg := range registrations(k) {
			row := Route{Kernel: k, Backend: reg.Backend, MinSize: reg.MinSize(r.caps), Unit: reg.Unit, Available: true, Forced: want == reg.Backend}
			if err := reg.Available(); err != nil {
				row.Available, row.Reason = false, err.Error()
			}
			rows = append(rows, row)
		}
	}
	return rows
}
