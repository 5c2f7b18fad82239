package mdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults used when an Options field is zero.
const (
	// DefaultPoll is how often the interfaces' addresses are checked;
	// a change is announced at the next check.
	DefaultPoll = 3 * time.Second
	// UDPPort is the mDNS port.
	UDPPort = 5353
	// announceGap separates the repeated announcements (RFC 6762 §8.3:
	// at least two, one second apart).
	announceGap = time.Second
	// probeGap separates the three probes, and the last probe from the
	// end of probing (RFC 6762 §8.1).
	probeGap = 250 * time.Millisecond
	// maxRenames bounds the names tried (host-2 … host-maxRenames)
	// before the responder keeps the last one and says so.
	maxRenames = 99
)

// ErrClosed is returned by Start and Serve after Close.
var ErrClosed = errors.New("mdns: responder closed")

// Interface is a network interface the responder announces on.
type Interface struct {
	// Index and Name identify it.
	Index int
	Name  string
	// Addrs are its addresses, announced as Host.local.
	Addrs []netip.Addr
}

// Options configure a Responder. Port is required; the zero value of
// every other field means its default.
type Options struct {
	// Hostname is the host label announced as <Hostname>.local. Default:
	// os.Hostname(), up to the first dot.
	Hostname string
	// Port is the node's HTTP API port, announced as _http._tcp.
	Port uint16
	// Interfaces lists the interfaces to announce on. Default:
	// UpInterfaces.
	Interfaces func() ([]Interface, error)
	// Poll is how often Interfaces is called to find address changes.
	// Default: DefaultPoll.
	Poll time.Duration
	// Logger logs errors and announcements. Default: slog.Default() with
	// subsys=appliance/mdns.
	Logger *slog.Logger
}

// Responder answers mDNS queries for one Zone and announces it.
//
// concurrency: all methods are safe for concurrent use.
type Responder struct {
	base  string // the host label asked for; renames append -2, -3, …
	opts  Options
	log   *slog.Logger
	ctx   context.Context // lifetime of the responder; ends at Close
	stop  context.CancelFunc
	wg    sync.WaitGroup
	close sync.Once
	// conflict is signalled (without blocking) when a packet contests
	// the zone's names; watch probes again then.
	conflict chan struct{}

	mu struct {
		sync.Mutex
		zone    Zone             // what the responder answers for now
		probing bool             // claim is probing the zone's names
		ifaces  []Interface      // as last listed
		started bool             // Start was called
		senders []groupSender    // multicast sockets opened by Start
		conns   []net.PacketConn // sockets to close at Close
	}
}

// New returns a responder for the zone NewZone(o.Hostname, o.Port). It
// opens no socket: see Start and Serve.
func New(o Options) (*Responder, error) {
	if o.Hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("mdns: hostname: %w; pass Options.Hostname", err)
		}
		o.Hostname = h
	}
	if i := strings.IndexByte(o.Hostname, '.'); i >= 0 {
		o.Hostname = o.Hostname[:i]
	}
	if o.Interfaces == nil {
		o.Interfaces = UpInterfaces
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Logger == nil {
		o.Logger = slog.Default().With("subsys", "appliance/mdns")
	}
	z := NewZone(o.Hostname, o.Port)
	if err := z.Validate(); err != nil {
		return nil, err
	}
	r := &Responder{base: o.Hostname, opts: o, log: o.Logger, conflict: make(chan struct{}, 1)}
	r.mu.zone = z
	r.ctx, r.stop = context.WithCancel(context.Background())
	return r, nil
}

// Zone returns the zone the responder answers for now: after a name
// conflict on the LAN its host label is the one asked for plus "-2",
// "-3", and so on.
func (r *Responder) Zone() Zone {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mu.zone
}

// Serve answers the queries arriving on conn, each reply sent back to its
// sender as a legacy unicast DNS reply, until ctx ends or Close is
// called; it closes conn then. It is how plain DNS clients (and tests,
// on 127.0.0.1) ask the responder directly. Errors reading conn end it.
func (r *Responder) Serve(ctx context.Context, conn net.PacketConn) error {
	if err := r.track(conn); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	buf := make([]byte, MaxMessage)
	for {
		n, src, err := conn.ReadFrom(buf)
		if err != nil {
			if r.ctx.Err() != nil || ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("mdns: read: %w", err)
		}
		reply, err := r.Zone().Answer(buf[:n], r.allAddrs(), true)
		if err != nil || reply.Msg == nil {
			continue
		}
		if _, err := conn.WriteTo(reply.Msg, src); err != nil {
			r.log.Debug("reply not sent", "to", src, "err", err)
		}
	}
}

// Start opens the mDNS sockets (IPv4 and IPv6, port 5353, joined to the
// groups on every interface), announces the zone and keeps answering
// and re-announcing on address changes until Close. It fails when
// neither address family can be opened, and when called twice.
func (r *Responder) Start() error {
	if r.ctx.Err() != nil {
		return ErrClosed
	}
	r.mu.Lock()
	started := r.mu.started
	r.mu.started = true
	r.mu.Unlock()
	if started {
		return errors.New("mdns: Start called twice")
	}
	ifaces := r.refresh()
	senders, conns, err := openGroups(r.ctx, ifaces, r.log)
	if err != nil {
		return err
	}
	r.mu.Lock()
	if r.ctx.Err() != nil { // Close ran meanwhile
		r.mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
		return ErrClosed
	}
	r.mu.senders = senders
	r.mu.conns = append(r.mu.conns, conns...)
	r.wg.Add(len(senders) + 1) // under mu, so Close's Wait sees them
	r.mu.Unlock()
	for _, s := range senders {
		go func() {
			defer r.wg.Done()
			s.serve(r)
		}()
	}
	go func() {
		defer r.wg.Done()
		r.watch(ifaces)
	}()
	return nil
}

// Close sends goodbye packets for the zone on every interface, closes the
// sockets and waits for the responder's goroutines. It is safe to call
// more than once.
func (r *Responder) Close() error {
	r.close.Do(func() {
		r.mu.Lock()
		ifaces := r.mu.ifaces
		r.mu.Unlock()
		r.goodbye(r.Zone(), ifaces)
		r.stop()
		r.mu.Lock()
		for _, c := range r.mu.conns {
			c.Close()
		}
		r.mu.Unlock()
	})
	r.wg.Wait()
	return nil
}

// answer returns the reply to a query that arrived on interface index
// from src.
func (r *Responder) answer(query []byte, index int, src netip.AddrPort) (Reply, error) {
	addrs := r.addrsOf(index)
	if addrs == nil {
		addrs = r.allAddrs()
	}
	r.mu.Lock()
	z, probing := r.mu.zone, r.mu.probing
	r.mu.Unlock()
	if probing {
		// The names are not ours yet (RFC 6762 §8.1): answering a rival's
		// probe now would make it give way to a name we may lose.
		return Reply{}, nil
	}
	return z.Answer(query, addrs, src.Port() != UDPPort)
}

// observe signals a conflict when msg, a packet from the group, contests
// the zone's names (Zone.Conflict).
func (r *Responder) observe(msg []byte) {
	r.mu.Lock()
	z, probing := r.mu.zone, r.mu.probing
	r.mu.Unlock()
	if z.Conflict(msg, r.allAddrs(), probing) {
		select {
		case r.conflict <- struct{}{}:
		default:
		}
	}
}

// watch claims the zone's names and announces the zone, then polls the
// interfaces, claims the names on those whose addresses changed and
// announces again, and claims the names again when another host contests
// them, until Close.
func (r *Responder) watch(ifaces []Interface) {
	r.claim(ifaces)
	r.announce(ifaces)
	t := time.NewTicker(r.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-r.conflict:
			z := r.Zone()
			r.log.Warn("another host answers for this box's name; probing again", "name", z.HostName())
			ifaces = r.refresh()
			r.claim(ifaces)
			if r.Zone().Host != z.Host {
				r.goodbye(z, ifaces)
			}
			r.announce(ifaces)
			continue
		case <-t.C:
		}
		prev := ifaces
		ifaces = r.refresh()
		if changed := Changed(prev, ifaces); len(changed) > 0 {
			r.mu.Lock()
			senders := r.mu.senders
			r.mu.Unlock()
			for _, s := range senders {
				s.join(changed)
			}
			// New addresses (a DHCP lease after boot) are probed first, so
			// that a box which came up before its network cannot take the
			// name of one that is already on the LAN.
			z := r.Zone()
			r.claim(changed)
			if r.Zone().Host != z.Host {
				r.goodbye(z, prev)
				changed = ifaces
			}
			r.log.Info("addresses changed; announcing", "interfaces", names(changed), "name", r.Zone().HostName())
			r.announce(changed)
		}
	}
}

// claim probes for the zone's names until no other host contests them
// (RFC 6762 §8.1): after a random wait of up to probeGap, three probes
// probeGap apart, then probeGap for answers. On a conflict the host
// label becomes the one asked for plus "-2" (then "-3", …; §9) and the
// new name is probed. After 15 conflicts in a row it waits 5 s between
// attempts, as §8.1 asks.
func (r *Responder) claim(ifaces []Interface) {
	for attempt := 1; ; attempt++ {
		select { // a conflict seen before this round is stale
		case <-r.conflict:
		default:
		}
		r.setProbing(true)
		conflict := r.probe(ifaces)
		r.setProbing(false)
		if r.ctx.Err() != nil || !conflict {
			return
		}
		old := r.Zone()
		next := old
		if attempt <= maxRenames {
			next = NewZone(fmt.Sprintf("%s-%d", r.base, attempt+1), old.Port)
			next.TXT = old.TXT
		}
		if err := next.Validate(); err != nil || attempt > maxRenames {
			r.log.Error("no free name found on the LAN; keeping this one", "name", old.HostName(), "err", err)
			return
		}
		r.mu.Lock()
		r.mu.zone = next
		r.mu.Unlock()
		r.log.Warn("name in use on the LAN; trying another", "taken", old.HostName(), "now", next.HostName())
		if attempt >= 15 && !r.sleep(5*time.Second) {
			return
		}
	}
}

// probe sends the three probes of the current zone on ifaces and reports
// whether a conflict was signalled before the probing ended.
func (r *Responder) probe(ifaces []Interface) bool {
	z := r.Zone()
	if !r.sleep(rand.N(probeGap)) {
		return false
	}
	for range 3 {
		if !r.sendEach(ifaces, "probe", z.Probe) {
			return false
		}
		select {
		case <-r.ctx.Done():
			return false
		case <-r.conflict:
			return true
		case <-time.After(probeGap):
		}
	}
	return false
}

// sleep waits d and reports false when the responder closed first.
func (r *Responder) sleep(d time.Duration) bool {
	select {
	case <-r.ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func (r *Responder) setProbing(on bool) {
	r.mu.Lock()
	r.mu.probing = on
	r.mu.Unlock()
}

// goodbye withdraws zone z's records on ifaces (TTL 0), after a rename.
func (r *Responder) goodbye(z Zone, ifaces []Interface) {
	r.sendEach(ifaces, "goodbye", func(addrs []netip.Addr) ([]byte, error) { return z.Announcement(addrs, true) })
}

// sendEach builds one message per interface from its addresses and
// sends it on that interface through every group socket. It logs and
// reports false when a message cannot be built.
func (r *Responder) sendEach(ifaces []Interface, what string, build func(addrs []netip.Addr) ([]byte, error)) bool {
	r.mu.Lock()
	senders := r.mu.senders
	r.mu.Unlock()
	for _, ifi := range ifaces {
		msg, err := build(ifi.Addrs)
		if err != nil {
			r.log.Warn(what+" not built", "err", err)
			return false
		}
		for _, s := range senders {
			s.send(msg, ifi.Index)
		}
	}
	return true
}

// announce sends the zone's records on ifaces twice, announceGap apart.
func (r *Responder) announce(ifaces []Interface) {
	for i := range 2 {
		if i > 0 {
			select {
			case <-r.ctx.Done():
				return
			case <-time.After(announceGap):
			}
		}
		z := r.Zone()
		if !r.sendEach(ifaces, "announcement", func(addrs []netip.Addr) ([]byte, error) { return z.Announcement(addrs, false) }) {
			return
		}
	}
}

// refresh lists the interfaces and keeps the list for answers.
func (r *Responder) refresh() []Interface {
	ifaces, err := r.opts.Interfaces()
	if err != nil {
		r.log.Warn("interfaces not listed", "err", err)
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.mu.ifaces
	}
	r.mu.Lock()
	r.mu.ifaces = ifaces
	r.mu.Unlock()
	return ifaces
}

// addrsOf returns the addresses of interface index, nil when unknown.
func (r *Responder) addrsOf(index int) []netip.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ifi := range r.mu.ifaces {
		if ifi.Index == index {
			return ifi.Addrs
		}
	}
	return nil
}

// allAddrs returns the addresses of all interfaces, listing them first
// when Start has not.
func (r *Responder) allAddrs() []netip.Addr {
	r.mu.Lock()
	ifaces := r.mu.ifaces
	r.mu.Unlock()
	if ifaces == nil {
		ifaces = r.refresh()
	}
	var all []netip.Addr
	for _, ifi := range ifaces {
		all = append(all, ifi.Addrs...)
	}
	return all
}

// track registers conn to be closed by Close.
func (r *Responder) track(conn net.PacketConn) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx.Err() != nil {
		conn.Close()
		return ErrClosed
	}
	r.mu.conns = append(r.mu.conns, conn)
	return nil
}

// Changed returns the interfaces of next that are new or whose addresses
// differ from prev.
func Changed(prev, next []Interface) []Interface {
	var out []Interface
	for _, n := range next {
		i := slices.IndexFunc(prev, func(p Interface) bool { return p.Index == n.Index })
		if i < 0 || !sameAddrs(prev[i].Addrs, n.Addrs) {
			out = append(out, n)
		}
	}
	return out
}

func sameAddrs(a, b []netip.Addr) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, netip.Addr.Compare)
	slices.SortFunc(b, netip.Addr.Compare)
	return slices.Equal(a, b)
}

func names(ifaces []Interface) []string {
	var n []string
	for _, ifi := range ifaces {
		n = append(n, ifi.Name)
	}
	return n
}

// UpInterfaces lists the interfaces that are up and can multicast, not
// loopback, with their addresses; those without an address are left
// out.
func UpInterfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("mdns: list interfaces: %w", err)
	}
	var out []Interface
	for _, ifi := range ifs {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 || ifi.Flags&net.FlagLoopback != 0 {
			continue
		}
		as, err := ifi.Addrs()
		if err != nil {
			continue
		}
		var addrs []netip.Addr
		for _, a := range as {
			if p, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(p.IP); ok {
					addrs = append(addrs, ip.Unmap())
				}
			}
		}
		if len(addrs) > 0 {
			out = append(out, Interface{Index: ifi.Index, Name: ifi.Name, Addrs: addrs})
		}
	}
	return out, nil
}
