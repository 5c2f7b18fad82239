package mdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"
)

// The mDNS groups (RFC 6762 §3).
var (
	group4 = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: UDPPort}
	group6 = &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: UDPPort}
)

// openGroups opens one socket per address family on port 5353 (shared
// with other responders on the host by SO_REUSEADDR/SO_REUSEPORT) and
// joins the groups on ifaces. It fails only when neither family opens.
func openGroups(ctx context.Context, ifaces []Interface, log *slog.Logger) ([]groupSender, []net.PacketConn, error) {
	lc := net.ListenConfig{Control: reuse}
	var senders []groupSender
	var conns []net.PacketConn
	var errs []error
	if c, err := lc.ListenPacket(ctx, "udp4", fmt.Sprintf("0.0.0.0:%d", UDPPort)); err == nil {
		p := ipv4.NewPacketConn(c)
		err = errors.Join(p.SetControlMessage(ipv4.FlagInterface, true), p.SetMulticastTTL(255), p.SetMulticastLoopback(false))
		if err != nil {
			c.Close()
			errs = append(errs, fmt.Errorf("mdns: IPv4 socket options: %w", err))
		} else {
			s := &sender4{p: p, log: log, joined: map[int]bool{}}
			s.join(ifaces)
			senders, conns = append(senders, s), append(conns, c)
		}
	} else {
		errs = append(errs, fmt.Errorf("mdns: IPv4 socket: %w", err))
	}
	if c, err := lc.ListenPacket(ctx, "udp6", fmt.Sprintf("[::]:%d", UDPPort)); err == nil {
		p := ipv6.NewPacketConn(c)
		err = errors.Join(p.SetControlMessage(ipv6.FlagInterface, true), p.SetMulticastHopLimit(255), p.SetMulticastLoopback(false))
		if err != nil {
			c.Close()
			errs = append(errs, fmt.Errorf("mdns: IPv6 socket options: %w", err))
		} else {
			s := &sender6{p: p, log: log, joined: map[int]bool{}}
			s.join(ifaces)
			senders, conns = append(senders, s), append(conns, c)
		}
	} else {
		errs = append(errs, fmt.Errorf("mdns: IPv6 socket: %w", err))
	}
	if len(senders) == 0 {
		return nil, nil, fmt.Errorf("%w; is another mDNS responder holding port %d without SO_REUSEPORT?", errors.Join(errs...), UDPPort)
	}
	for _, err := range errs {
		log.Warn("mDNS on one address family only", "err", err)
	}
	return senders, conns, nil
}

// reuse sets SO_REUSEADDR and SO_REUSEPORT, so the socket shares port 5353.
func reuse(_, _ string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = errors.Join(unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1),
			unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1))
	})
	return errors.Join(err, serr)
}

// sender4 is the IPv4 socket. Its joined map is touched only by the
// watch goroutine (and before it starts).
type sender4 struct {
	p      *ipv4.PacketConn
	log    *slog.Logger
	joined map[int]bool
}

func (s *sender4) join(ifaces []Interface) {
	for _, ifi := range ifaces {
		if s.joined[ifi.Index] || !hasFamily(ifi.Addrs, true) {
			continue
		}
		nifi, err := net.InterfaceByIndex(ifi.Index)
		if err == nil {
			err = s.p.JoinGroup(nifi, group4)
		}
		if err != nil {
			s.log.Warn("mDNS group not joined", "iface", ifi.Name, "group", group4.IP, "err", err)
			continue
		}
		s.joined[ifi.Index] = true
	}
}

func (s *sender4) send(msg []byte, index int) {
	if _, err := s.p.WriteTo(msg, &ipv4.ControlMessage{IfIndex: index}, group4); err != nil {
		s.log.Debug("mDNS packet not sent", "ifindex", index, "err", err)
	}
}

func (s *sender4) serve(r *Responder) {
	serveGroup(r, s.log, group4, func(buf []byte) (int, int, net.Addr, error) {
		n, cm, src, err := s.p.ReadFrom(buf)
		if cm == nil {
			return n, 0, src, err
		}
		return n, cm.IfIndex, src, err
	}, func(msg []byte, index int, dst net.Addr) error {
		_, err := s.p.WriteTo(msg, &ipv4.ControlMessage{IfIndex: index}, dst)
		return err
	})
}

// sender6 is the IPv6 socket; see sender4.
type sender6 struct {
	p      *ipv6.PacketConn
	log    *slog.Logger
	joined map[int]bool
}

func (s *sender6) join(ifaces []Interface) {
	for _, ifi := range ifaces {
		if s.joined[ifi.Index] || !hasFamily(ifi.Addrs, false) {
			continue
		}
		nifi, err := net.InterfaceByIndex(ifi.Index)
		if err == nil {
			err = s.p.JoinGroup(nifi, group6)
		}
		if err != nil {
			s.log.Warn("mDNS group not joined", "iface", ifi.Name, "group", group6.IP, "err", err)
			continue
		}
		s.joined[ifi.Index] = true
	}
}

func (s *sender6) send(msg []byte, index int) {
	if _, err := s.p.WriteTo(msg, &ipv6.ControlMessage{IfIndex: index}, group6); err != nil {
		s.log.Debug("mDNS packet not sent", "ifindex", index, "err", err)
	}
}

func (s *sender6) serve(r *Responder) {
	serveGroup(r, s.log, group6, func(buf []byte) (int, int, net.Addr, error) {
		n, cm, src, err := s.p.ReadFrom(buf)
		if cm == nil {
			return n, 0, src, err
		}
		return n, cm.IfIndex, src, err
	}, func(msg []byte, index int, dst net.Addr) error {
		_, err := s.p.WriteTo(msg, &ipv6.ControlMessage{IfIndex: index}, dst)
		return err
	})
}

// serveGroup answers the queries read from a group socket until reading
// fails (the socket is closed): multicast to group on the interface the
// query came in on, or unicast back to its sender when the reply says so.
func serveGroup(r *Responder, log *slog.Logger, group net.Addr,
	read func(buf []byte) (n, index int, src net.Addr, err error),
	write func(msg []byte, index int, dst net.Addr) error) {
	buf := make([]byte, MaxMessage)
	for {
		n, index, src, err := read(buf)
		if err != nil {
			return
		}
		from, _ := src.(*net.UDPAddr)
		if from == nil {
			continue
		}
		r.observe(buf[:n])
		reply, err := r.answer(buf[:n], index, from.AddrPort())
		if err != nil || reply.Msg == nil {
			continue
		}
		dst := group
		if reply.Unicast {
			dst = src
		} else if reply.Shared {
			time.Sleep(sharedDelay())
		}
		if err := write(reply.Msg, index, dst); err != nil {
			log.Debug("mDNS reply not sent", "to", dst, "err", err)
		}
	}
}

// sharedDelay is the random wait before a multicast reply with shared
// records: 20 to 120 ms (RFC 6762 §6).
func sharedDelay() time.Duration {
	return 20*time.Millisecond + rand.N(100*time.Millisecond)
}

// hasFamily reports whether addrs holds an IPv4 (v4) or IPv6 address.
func hasFamily(addrs []netip.Addr, v4 bool) bool {
	for _, a := range addrs {
		if a.Unmap().Is4() == v4 {
			return true
		}
	}
	return false
}
