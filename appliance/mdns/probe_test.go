package mdns_test

import (
	"net/netip"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/cairn-node/cairn/appliance/mdns"
)

func TestProbeMessage(t *testing.T) {
	z := mdns.NewZone("cairn", 8080)
	msg, err := z.Probe(testAddrs)
	if err != nil {
		t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(msg); err != nil {
		t.Fatalf("probe does not decode: %v", err)
	}
	if m.Header.Response || len(m.Questions) != 2 {
		t.Fatalf("probe header %+v with %d questions, want a query for the host and the instance", m.Header, len(m.Questions))
	}
	for i, want := range []string{z.HostName(), z.InstanceName()} {
		q := m.Questions[i]
		if q.Name.String() != want || q.Type != dnsmessage.TypeALL {
			t.Errorf("question %d = %v %v, want %s ANY", i, q.Name, q.Type, want)
		}
	}
	types := map[dnsmessage.Type]int{}
	for _, a := range m.Authorities {
		types[a.Header.Type]++
		if a.Header.Class != dnsmessage.ClassINET {
			t.Errorf("authority record %v has class %#x, want IN without the cache-flush bit", a.Header.Name, a.Header.Class)
		}
	}
	if types[dnsmessage.TypeSRV] != 1 || types[dnsmessage.TypeTXT] != 1 || types[dnsmessage.TypeA]+types[dnsmessage.TypeAAAA] != len(testAddrs) {
		t.Errorf("authority record types %v, want one per address, an SRV and a TXT", types)
	}
}

func TestConflict(t *testing.T) {
	mine := []netip.Addr{netip.MustParseAddr("192.168.1.20")}
	other := []netip.Addr{netip.MustParseAddr("192.168.1.30")}
	z := mdns.NewZone("cairn", 8080)
	announce := func(z mdns.Zone, addrs []netip.Addr, goodbye bool) []byte {
		msg, err := z.Announcement(addrs, goodbye)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	probe := func(z mdns.Zone, addrs []netip.Addr) []byte {
		msg, err := z.Probe(addrs)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	later := []netip.Addr{netip.MustParseAddr("192.168.1.99")}
	earlier := []netip.Addr{netip.MustParseAddr("192.168.1.2")}
	for _, c := range []struct {
		name    string
		msg     []byte
		probing bool
		want    bool
	}{
		{"another host announces the name", announce(z, other, false), false, true},
		{"another host announces the name while probing", announce(z, other, false), true, true},
		{"the same records (our own, or a proxy)", announce(z, mine, false), false, false},
		{"another host says goodbye to the name", announce(z, other, true), false, false},
		{"another host's own name", announce(mdns.NewZone("other", 8080), other, false), false, false},
		{"another instance on our host name's port", announce(mdns.Zone{Host: "cairn", Instance: "Cairn on cairn", Port: 9090, TXT: []string{"path=/"}}, mine, false), false, true},
		{"a probe that sorts later while probing", probe(z, later), true, true},
		{"a probe that sorts earlier while probing", probe(z, earlier), true, false},
		{"a probe that sorts later, not probing (answered instead)", probe(z, later), false, false},
		{"our own probe", probe(z, mine), true, false},
		{"garbage", []byte{1, 2, 3}, true, false},
	} {
		if got := z.Conflict(c.msg, mine, c.probing); got != c.want {
			t.Errorf("%s: Conflict = %v, want %v", c.name, got, c.want)
		}
	}
}
