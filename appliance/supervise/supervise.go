package supervise

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DontRestart is the exit status with which a child asks not to be
// restarted (gokrazy's convention).
const DontRestart = 125

// FirstStartEnv is set to "1" in the child's environment on its first
// start only, so it can do first-boot work once.
const FirstStartEnv = "CAIRN_FIRST_START"

// DefaultStopTimeout is how long Run waits after SIGTERM before it kills
// the child's process group.
const DefaultStopTimeout = 10 * time.Second

// Service describes the supervised program.
type Service struct {
	// Name labels log records and console lines ("node").
	Name string
	// Path is the program to run; Args its arguments without argv[0].
	Path string
	Args []string
	// Env is the child's environment; nil means the supervisor's own.
	Env []string
}

// Starter starts cmd and delivers its wait status once on the returned
// channel when it exits. The default starter calls cmd.Start and cmd.Wait;
// PID 1 supplies one that shares its zombie reaper.
type Starter interface {
	Start(cmd *exec.Cmd) (<-chan syscall.WaitStatus, error)
}

// execStarter waits with os/exec.
type execStarter struct{}

func (execStarter) Start(cmd *exec.Cmd) (<-chan syscall.WaitStatus, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	ch := make(chan syscall.WaitStatus, 1)
	go func() {
		_ = cmd.Wait() // the status is in ProcessState whatever Wait returns
		ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
		ch <- ws
	}()
	return ch, nil
}

// Option configures a Supervisor.
type Option func(*Supervisor)

// WithStarter replaces the default os/exec starter.
func WithStarter(s Starter) Option { return func(sv *Supervisor) { sv.starter = s } }

// WithConsole copies every line of the child's output to w, prefixed with
// the service name. Default: no copy.
func WithConsole(w io.Writer) Option { return func(sv *Supervisor) { sv.console = w } }

// WithRing keeps the child's output in r. Default: a new ring of
// DefaultRingLines lines (see [Supervisor.Ring]).
func WithRing(r *Ring) Option { return func(sv *Supervisor) { sv.ring = r } }

// WithBackoff sets the restart delays. Default: the zero Backoff.
func WithBackoff(b Backoff) Option { return func(sv *Supervisor) { sv.backoff = b } }

// WithStopTimeout sets the SIGTERM-to-SIGKILL grace. Default:
// DefaultStopTimeout.
func WithStopTimeout(d time.Duration) Option { return func(sv *Supervisor) { sv.stopTimeout = d } }

// WithLogger sets the logger of supervision events. Default: slog.Default().
func WithLogger(l *slog.Logger) Option { return func(sv *Supervisor) { sv.log = l } }

// Supervisor runs one Service until its context ends. Create it with New;
// call Run once.
type Supervisor struct {
	svc         Service
	starter     Starter
	console     io.Writer
	ring        *Ring
	backoff     Backoff
	stopTimeout time.Duration
	log         *slog.Logger
	consoleMu   sync.Mutex
	// lastPID is the pid (and process group id) of the current child.
	lastPID atomic.Int64

	mu struct {
		sync.Mutex
		starts int
	}
}

// New returns a supervisor for svc. It starts nothing.
func New(svc Service, opts ...Option) *Supervisor {
	s := &Supervisor{svc: svc, starter: execStarter{}, stopTimeout: DefaultStopTimeout}
	for _, o := range opts {
		o(s)
	}
	if s.ring == nil {
		s.ring = NewRing(0)
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("subsys", "appliance/supervise", "service", svc.Name)
	return s
}

// Ring returns the ring holding the child's output. It is safe to read
// while Run runs.
func (s *Supervisor) Ring() *Ring { return s.ring }

// Starts returns how many times the child was started so far.
func (s *Supervisor) Starts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.starts
}

// Run starts the child and restarts it after each exit, waiting the
// back-off delay in between, until ctx is cancelled or the child exits with
// DontRestart. On cancellation it sends SIGTERM to the child's process
// group, waits up to the stop timeout, then sends SIGKILL, and returns nil
// once the child is gone. It returns an error only when the child cannot be
// started at all on its first attempt (a missing program, say).
func (s *Supervisor) Run(ctx context.Context) error {
	for {
		start := time.Now()
		done, out, err := s.start()
		if err != nil {
			if s.Starts() == 0 {
				return fmt.Errorf("supervise: start %s: %w", s.svc.Name, err)
			}
			s.log.Error("restart failed", "err", err)
		} else {
			s.mu.Lock()
			s.mu.starts++
			s.mu.Unlock()
			ws, stopped := s.wait(ctx, done)
			out.Wait()
			if stopped {
				return nil
			}
			if ws.Exited() && ws.ExitStatus() == DontRestart {
				s.log.Info("child asked not to be restarted", "status", DontRestart)
				return nil
			}
			s.log.Warn("child exited", "status", describe(ws), "ran", time.Since(start).Round(time.Millisecond))
		}
		delay := s.backoff.Next(time.Since(start))
		s.log.Info("restarting", "in", delay)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(delay):
		}
	}
}

// start starts the child with its output on a pipe that copy goroutines
// drain into the ring and console; the returned WaitGroup ends when the
// pipe is closed by every process holding it.
func (s *Supervisor) start() (<-chan syscall.WaitStatus, *sync.WaitGroup, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(s.svc.Path, s.svc.Args...)
	cmd.Env = s.svc.Env
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	if s.Starts() == 0 {
		cmd.Env = append(cmd.Env, FirstStartEnv+"=1")
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	done, err := s.starter.Start(cmd)
	pw.Close() // the child holds its own copy
	if err != nil {
		pr.Close()
		return nil, nil, err
	}
	s.lastPID.Store(int64(cmd.Process.Pid))
	s.log.Info("started", "pid", cmd.Process.Pid)
	var wg sync.WaitGroup
	wg.Go(func() { s.copyOutput(pr) })
	return done, &wg, nil
}

// copyOutput moves lines from the child's pipe into the ring and console
// until EOF, then closes r.
func (s *Supervisor) copyOutput(r *os.File) {
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		s.ring.Write(append(line, '\n'))
		if s.console != nil {
			s.consoleMu.Lock()
			fmt.Fprintf(s.console, "%s: %s\n", s.svc.Name, line)
			s.consoleMu.Unlock()
		}
	}
	s.ring.Flush()
}

// wait waits for the child's exit; when ctx ends first it stops the
// child's process group in two stages and reports stopped.
func (s *Supervisor) wait(ctx context.Context, done <-chan syscall.WaitStatus) (ws syscall.WaitStatus, stopped bool) {
	select {
	case ws = <-done:
		return ws, false
	case <-ctx.Done():
	}
	pgid := s.pid()
	s.log.Info("stopping", "signal", "SIGTERM", "timeout", s.stopTimeout)
	signalGroup(pgid, syscall.SIGTERM)
	select {
	case ws = <-done:
	case <-time.After(s.stopTimeout):
		s.log.Warn("child ignored SIGTERM; killing its process group")
		signalGroup(pgid, syscall.SIGKILL)
		ws = <-done
	}
	s.log.Info("stopped", "status", describe(ws))
	return ws, true
}

// pid is filled by start through the process group: the child is its own
// group leader (Setpgid), so its pid is the group id.
func (s *Supervisor) pid() int { return int(s.lastPID.Load()) }

func signalGroup(pgid int, sig syscall.Signal) {
	if pgid > 0 {
		if err := syscall.Kill(-pgid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			slog.Default().Warn("signal process group", "pgid", pgid, "signal", sig, "err", err)
		}
	}
}

// describe says how a child ended: "exit 3" or "signal killed".
func describe(ws syscall.WaitStatus) string {
	switch {
	case ws.Exited():
		return fmt.Sprintf("exit %d", ws.ExitStatus())
	case ws.Signaled():
		return "signal " + ws.Signal().String()
	default:
		return fmt.Sprintf("wait status %#x", uint32(ws))
	}
}
