package timesync

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func TestTimestampRoundTrip(t *testing.T) {
	want := time.Date(2026, 11, 25, 20, 30, 0, 123456789, time.UTC)
	b := make([]byte, 8)
	putTimestamp(b, want)
	if got := getTimestamp(b); got.Sub(want).Abs() > time.Nanosecond {
		t.Errorf("getTimestamp(putTimestamp(%v)) = %v", want, got)
	}
	// Unix time 1795638600 plus the 2208988800 s from 1900 to 1970.
	if sec := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]); sec != 4004627400 {
		t.Errorf("NTP seconds = %d, want 4004627400", sec)
	}
}

// serve answers one SNTP request as a server whose clock is skew ahead.
func serve(t *testing.T, skew time.Duration, mutate func([]byte)) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no UDP on loopback: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		req := make([]byte, 512)
		n, addr, err := c.ReadFrom(req)
		if err != nil || n < packetSize {
			return
		}
		now := time.Now().Add(skew)
		reply := make([]byte, packetSize)
		reply[0], reply[1] = 4<<3|4, 2 // version 4, server, stratum 2
		copy(reply[24:32], req[40:48]) // originate = client's transmit
		putTimestamp(reply[32:], now)
		putTimestamp(reply[40:], now)
		if mutate != nil {
			mutate(reply)
		}
		c.WriteTo(reply, addr)
	}()
	return c.LocalAddr().String()
}

func TestQueryOffset(t *testing.T) {
	addr := serve(t, 90*time.Second, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	off, err := Query(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	if (off - 90*time.Second).Abs() > 200*time.Millisecond {
		t.Errorf("Query() offset = %v, want about 90s", off)
	}
}

func TestQueryRejects(t *testing.T) {
	for name, mutate := range map[string]func([]byte){
		"kiss-o'-death":   func(b []byte) { b[1] = 0 },
		"client mode":     func(b []byte) { b[0] = 4<<3 | 3 },
		"unsynchronised":  func(b []byte) { b[0] |= 3 << 6 },
		"other originate": func(b []byte) { b[24]++ },
	} {
		addr := serve(t, 0, mutate)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := Query(ctx, addr)
		cancel()
		if !errors.Is(err, ErrBadReply) {
			t.Errorf("Query(%s) = %v, want ErrBadReply", name, err)
		}
	}
}

func TestServersFromCmdline(t *testing.T) {
	got := ServersFromCmdline("console=ttyS0 cairn.ntp=time.example.org,10.0.0.1:123 panic=-1")
	if len(got) != 2 || got[0] != "time.example.org" || got[1] != "10.0.0.1:123" {
		t.Errorf("ServersFromCmdline() = %q, want time.example.org and 10.0.0.1:123", got)
	}
	if got := ServersFromCmdline("console=ttyS0"); got != nil {
		t.Errorf("ServersFromCmdline(none) = %q, want nil", got)
	}
}
