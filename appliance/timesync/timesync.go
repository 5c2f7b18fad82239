// Package timesync sets the clock from an SNTP server (RFC 4330) once the
// network is up, for boards whose clock starts wrong (no battery-backed
// RTC) or drifts. It asks each server in turn and steps the clock by the
// measured offset when it exceeds MaxDrift.
//
// SNTP is unauthenticated: a network attacker can shift the clock. That is
// acceptable for a first slice (the node checks no certificate validity
// dates yet); Roughtime, which signs its answers, is the planned
// replacement.
package timesync

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// DefaultServer is asked when no server is configured.
const DefaultServer = "pool.ntp.org"

// MaxDrift is the offset below which the clock is left alone.
const MaxDrift = 500 * time.Millisecond

// packetSize is the size of an SNTP message without extensions.
const packetSize = 48

// ntpEpoch is 1900-01-01, the origin of NTP timestamps.
var ntpEpoch = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// Errors of a query.
var (
	// ErrBadReply is returned for an answer that is not a usable server
	// reply (wrong mode, unsynchronised server, kiss-o'-death).
	ErrBadReply = errors.New("timesync: unusable SNTP reply")
)

// request returns a client request (version 4, mode 3) whose transmit
// timestamp is t, which the server echoes as its originate timestamp.
func request(t time.Time) []byte {
	b := make([]byte, packetSize)
	b[0] = 4<<3 | 3
	putTimestamp(b[40:], t)
	return b
}

// Offset computes the clock offset from a server reply to a request sent
// at t1 (local clock) and received at t4 (local clock): ((t2-t1)+(t3-t4))/2
// with t2, t3 the server's receive and transmit timestamps.
func Offset(reply []byte, t1, t4 time.Time) (time.Duration, error) {
	if len(reply) < packetSize {
		return 0, fmt.Errorf("%w: %d bytes", ErrBadReply, len(reply))
	}
	mode, stratum := reply[0]&7, reply[1]
	leap := reply[0] >> 6
	if mode != 4 || stratum == 0 || stratum > 15 || leap == 3 {
		return 0, fmt.Errorf("%w: mode %d, stratum %d, leap %d", ErrBadReply, mode, stratum, leap)
	}
	if getTimestamp(reply[24:]).Sub(t1).Abs() > time.Microsecond { // originate = our transmit time
		return 0, fmt.Errorf("%w: it answers another request", ErrBadReply)
	}
	t2, t3 := getTimestamp(reply[32:]), getTimestamp(reply[40:])
	return (t2.Sub(t1) + t3.Sub(t4)) / 2, nil
}

// Query asks server (host or host:port; port 123 by default) for the clock
// offset.
func Query(ctx context.Context, server string) (time.Duration, error) {
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(server, "123")
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", server)
	if err != nil {
		return 0, fmt.Errorf("timesync: %w", err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	t1 := time.Now()
	if _, err := c.Write(request(t1)); err != nil {
		return 0, fmt.Errorf("timesync: ask %s: %w", server, err)
	}
	reply := make([]byte, 512)
	n, err := c.Read(reply)
	t4 := time.Now()
	if err != nil {
		return 0, fmt.Errorf("timesync: no answer from %s: %w", server, err)
	}
	return Offset(reply[:n], t1, t4)
}

func putTimestamp(b []byte, t time.Time) {
	d := t.Sub(ntpEpoch)
	sec := uint64(d / time.Second)
	frac := uint64(d%time.Second) << 32 / uint64(time.Second)
	binary.BigEndian.PutUint64(b, sec<<32|frac)
}

func getTimestamp(b []byte) time.Time {
	v := binary.BigEndian.Uint64(b)
	sec, frac := v>>32, v&0xffffffff
	return ntpEpoch.Add(time.Duration(sec)*time.Second + time.Duration(frac*uint64(time.Second)>>32))
}

// ServersFromCmdline returns the servers of a cairn.ntp=host[,host…] word
// of a kernel command line, or nil when there is none.
func ServersFromCmdline(cmdline string) []string {
	for _, w := range strings.Fields(cmdline) {
		if v, ok := strings.CutPrefix(w, "cairn.ntp="); ok && v != "" {
			return strings.Split(v, ",")
		}
	}
	return nil
}
