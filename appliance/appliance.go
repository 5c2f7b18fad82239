package appliance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/cairn-node/cairn/appliance/mdns"
	"github.com/cairn-node/cairn/appliance/netup"
	"github.com/cairn-node/cairn/appliance/supervise"
	"github.com/cairn-node/cairn/node/api"
)

// Defaults used when an Options field is zero.
const (
	// DefaultAPIAddr is where the node's HTTP API listens on an appliance:
	// every interface, since the box is used from the LAN.
	DefaultAPIAddr = "0.0.0.0:8080"
	// DefaultExe is the program run as the node: the binary itself.
	DefaultExe = "/proc/self/exe"
	// requiredRetry is how often a failed required step is reported on
	// the console while PID 1 waits to be rebooted.
	requiredRetry = 30 * time.Second
)

// Options configure Run. The zero value is the appliance's configuration.
type Options struct {
	// Console receives the boot log and the node's output. Default:
	// io.Discard (PID 1 passes /dev/console, its stdout).
	Console io.Writer
	// Exe is the program started as the node with "run" and its flags.
	// Default: DefaultExe.
	Exe string
	// APIAddr is the node's --api-addr. Default: DefaultAPIAddr.
	APIAddr string
	// Logger logs the boot. Default: a text logger on Console.
	Logger *slog.Logger
	// Ring keeps the node's output for a later dashboard. Default: a
	// ring of supervise.DefaultRingLines lines.
	Ring *supervise.Ring
}

// EnsureDefaults fills the zero fields with their defaults.
func (o *Options) EnsureDefaults() {
	if o.Console == nil {
		o.Console = io.Discard
	}
	if o.Exe == "" {
		o.Exe = DefaultExe
	}
	if o.APIAddr == "" {
		o.APIAddr = DefaultAPIAddr
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(o.Console, nil))
	}
	if o.Ring == nil {
		o.Ring = supervise.NewRing(0)
	}
}

// NodeArgs returns the arguments the node is started with for a data
// directory; configFile, when not empty, is passed as --config.
func (o Options) NodeArgs(dataDir, configFile string) []string {
	o.EnsureDefaults()
	args := []string{"run", "--data-dir", dataDir, "--api-addr", o.APIAddr}
	if configFile != "" {
		args = append(args, "--config", configFile)
	}
	return args
}

// HealthURL returns the URL of the node's health check as PID 1 reaches
// it: APIAddr's port on the loopback address.
func (o Options) HealthURL() string {
	o.EnsureDefaults()
	_, port, err := net.SplitHostPort(o.APIAddr)
	if err != nil {
		port = "8080"
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port) + api.HealthzPath
}

// ErrNotPID1 is returned by Run when the process is not PID 1: the
// appliance mounts, reboots and powers off, which a host's own init does.
var ErrNotPID1 = errors.New("appliance: not PID 1; 'cairn appliance' runs only as the init of a Cairn image (use 'cairn run' on a host)")

// serveMDNS announces the box as <hostname>.local and the node's API as
// an _http._tcp service until ctx ends, then says goodbye (package
// mdns). The hostname is the one netup sets from the kernel command
// line; the responder finds the addresses DHCP assigns as they come.
// Best-effort: failures are logged.
func (o Options) serveMDNS(ctx context.Context, cmdline string, log *slog.Logger) {
	o.EnsureDefaults()
	nc, _ := netup.ParseCmdline(cmdline) // a bad value was logged by the netup step
	nc.EnsureDefaults()
	_, p, err := net.SplitHostPort(o.APIAddr)
	port, perr := strconv.ParseUint(p, 10, 16)
	if err = errors.Join(err, perr); err != nil {
		log.Warn("mDNS not started: no port in the API address", "addr", o.APIAddr, "err", err)
		return
	}
	r, err := mdns.New(mdns.Options{Hostname: nc.Hostname, Port: uint16(port), Logger: log})
	if err == nil {
		err = r.Start()
	}
	if err != nil {
		log.Warn("mDNS not started; reach the box by its address", "err", err)
		return
	}
	log.Info("mDNS responder started", "host", r.Zone().HostName(), "service", r.Zone().InstanceName())
	<-ctx.Done()
	r.Close()
}
