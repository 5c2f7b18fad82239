package mdns_test

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/cairn-node/cairn/appliance/mdns"
)

var (
	testZone  = mdns.NewZone("cairn", 8080)
	testAddrs = []netip.Addr{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("2001:db8::10")}
)

// query packs a query; qu sets the unicast-response bit on each question.
func query(t testing.TB, id uint16, qu bool, qs ...dnsmessage.Question) []byte {
	t.Helper()
	for i := range qs {
		if qs[i].Class == 0 {
			qs[i].Class = dnsmessage.ClassINET
		}
		if qu {
			qs[i].Class |= 1 << 15
		}
	}
	b, err := (&dnsmessage.Message{Header: dnsmessage.Header{ID: id}, Questions: qs}).Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func q(name string, typ dnsmessage.Type) dnsmessage.Question {
	return dnsmessage.Question{Name: dnsmessage.MustNewName(name), Type: typ}
}

func parse(t testing.TB, b []byte) dnsmessage.Message {
	t.Helper()
	var m dnsmessage.Message
	if err := m.Unpack(b); err != nil {
		t.Fatalf("response does not parse: %v", err)
	}
	return m
}

func TestAnswerAddresses(t *testing.T) {
	for _, tc := range []struct {
		name string
		typ  dnsmessage.Type
		want []string
	}{
		{"cairn.local.", dnsmessage.TypeA, []string{"A 192.0.2.10"}},
		{"CAIRN.Local.", dnsmessage.TypeAAAA, []string{"AAAA 2001:db8::10"}},
		{"cairn.local.", dnsmessage.TypeALL, []string{"A 192.0.2.10", "AAAA 2001:db8::10"}},
	} {
		t.Run(tc.name+"/"+tc.typ.String(), func(t *testing.T) {
			r, err := testZone.Answer(query(t, 7, false, q(tc.name, tc.typ)), testAddrs, false)
			if err != nil || r.Msg == nil || r.Unicast || r.Shared {
				t.Fatalf("Answer() = %+v, %v, want an immediate multicast reply (unique records)", r, err)
			}
			m := parse(t, r.Msg)
			if !m.Header.Response || !m.Header.Authoritative || m.Header.ID != 0 || len(m.Questions) != 0 {
				t.Errorf("header = %+v with %d questions, want an authoritative response, ID 0, no questions (RFC 6762 §18)", m.Header, len(m.Questions))
			}
			var got []string
			for _, a := range m.Answers {
				if a.Header.Class != dnsmessage.ClassINET|1<<15 || a.Header.TTL != mdns.HostTTL {
					t.Errorf("%v: class %#x TTL %d, want IN with cache-flush, TTL %d", a.Header.Name, uint16(a.Header.Class), a.Header.TTL, mdns.HostTTL)
				}
				switch b := a.Body.(type) {
				case *dnsmessage.AResource:
					got = append(got, "A "+netip.AddrFrom4(b.A).String())
				case *dnsmessage.AAAAResource:
					got = append(got, "AAAA "+netip.AddrFrom16(b.AAAA).String())
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("answers = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAnswerService(t *testing.T) {
	r, err := testZone.Answer(query(t, 0, true, q("_http._tcp.local.", dnsmessage.TypePTR)), testAddrs, false)
	if err != nil || r.Msg == nil || !r.Unicast || !r.Shared {
		t.Fatalf("Answer(PTR, QU) = %+v, %v, want a unicast reply marked shared", r, err)
	}
	m := parse(t, r.Msg)
	if len(m.Answers) != 1 {
		t.Fatalf("answers = %v, want one PTR", m.Answers)
	}
	ptr, ok := m.Answers[0].Body.(*dnsmessage.PTRResource)
	if !ok || ptr.PTR.String() != "Cairn on cairn._http._tcp.local." {
		t.Fatalf("answer = %v, want PTR Cairn on cairn._http._tcp.local.", m.Answers[0])
	}
	var srv *dnsmessage.SRVResource
	var txt *dnsmessage.TXTResource
	addrs := 0
	for _, a := range m.Additionals {
		switch b := a.Body.(type) {
		case *dnsmessage.SRVResource:
			srv = b
		case *dnsmessage.TXTResource:
			txt = b
		case *dnsmessage.AResource, *dnsmessage.AAAAResource:
			addrs++
		}
	}
	if srv == nil || srv.Port != 8080 || srv.Target.String() != "cairn.local." {
		t.Errorf("additional SRV = %+v, want port 8080 target cairn.local.", srv)
	}
	if txt == nil || !slices.Equal(txt.TXT, []string{"path=/"}) {
		t.Errorf("additional TXT = %+v, want path=/", txt)
	}
	if addrs != 2 {
		t.Errorf("%d additional address records, want 2", addrs)
	}
}

func TestAnswerLegacyUnicast(t *testing.T) {
	in := query(t, 4242, false, q("cairn.local.", dnsmessage.TypeA))
	r, err := testZone.Answer(in, testAddrs, true)
	if err != nil || !r.Unicast {
		t.Fatalf("Answer(legacy) = %+v, %v, want a unicast reply", r, err)
	}
	m := parse(t, r.Msg)
	if m.Header.ID != 4242 || len(m.Questions) != 1 || m.Questions[0].Name.String() != "cairn.local." {
		t.Errorf("legacy reply ID %d, questions %v; want ID 4242 and the question repeated (RFC 6762 §6.7)", m.Header.ID, m.Questions)
	}
	for _, a := range m.Answers {
		if a.Header.TTL > 10 || a.Header.Class != dnsmessage.ClassINET {
			t.Errorf("legacy answer TTL %d class %#x, want at most 10 s and plain IN", a.Header.TTL, uint16(a.Header.Class))
		}
	}
}

func TestAnswerNothing(t *testing.T) {
	for name, msg := range map[string][]byte{
		"other host":     query(t, 0, false, q("other.local.", dnsmessage.TypeA)),
		"other type":     query(t, 0, false, q("cairn.local.", dnsmessage.TypeMX)),
		"no questions":   query(t, 0, false),
		"other service":  query(t, 0, false, q("_ipp._tcp.local.", dnsmessage.TypePTR)),
		"AAAA, v4 only":  query(t, 0, false, q("cairn.local.", dnsmessage.TypeAAAA)),
		"wrong instance": query(t, 0, false, q("Other._http._tcp.local.", dnsmessage.TypeSRV)),
	} {
		r, err := testZone.Answer(msg, testAddrs[:1], false) // IPv4 only
		if err != nil || r.Msg != nil {
			t.Errorf("Answer(%s) = %+v, %v, want no reply and no error", name, r, err)
		}
	}
	resp, _ := (&dnsmessage.Message{Header: dnsmessage.Header{Response: true}}).Pack()
	if _, err := testZone.Answer(resp, testAddrs, false); !errors.Is(err, mdns.ErrNotQuery) {
		t.Errorf("Answer(response) = %v, want ErrNotQuery", err)
	}
	if _, err := testZone.Answer([]byte{1, 2, 3}, testAddrs, false); err == nil {
		t.Error("Answer(3 bytes) = nil error, want a parse error")
	}
}

func TestKnownAnswerSuppression(t *testing.T) {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{})
	b.StartQuestions()
	b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName("cairn.local."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	b.StartAnswers()
	b.AResource(dnsmessage.ResourceHeader{Name: dnsmessage.MustNewName("cairn.local."), Class: dnsmessage.ClassINET, TTL: mdns.HostTTL}, dnsmessage.AResource{A: [4]byte{192, 0, 2, 10}})
	msg, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if r, err := testZone.Answer(msg, testAddrs, false); err != nil || r.Msg != nil {
		t.Errorf("Answer(known answer listed) = %+v, %v, want no reply", r, err)
	}
}

func TestAnnouncement(t *testing.T) {
	for _, goodbye := range []bool{false, true} {
		b, err := testZone.Announcement(testAddrs, goodbye)
		if err != nil {
			t.Fatal(err)
		}
		m := parse(t, b)
		types := map[dnsmessage.Type]int{}
		for _, a := range m.Answers {
			types[a.Header.Type]++
			if goodbye != (a.Header.TTL == 0) {
				t.Errorf("goodbye=%v: %v has TTL %d", goodbye, a.Header.Name, a.Header.TTL)
			}
		}
		want := map[dnsmessage.Type]int{dnsmessage.TypeA: 1, dnsmessage.TypeAAAA: 1, dnsmessage.TypePTR: 2, dnsmessage.TypeSRV: 1, dnsmessage.TypeTXT: 1}
		for typ, n := range want {
			if types[typ] != n {
				t.Errorf("goodbye=%v: %d %v records, want %d", goodbye, types[typ], typ, n)
			}
		}
	}
}

func TestZoneValidate(t *testing.T) {
	for _, z := range []mdns.Zone{
		mdns.NewZone("", 80), mdns.NewZone("a.b", 80), mdns.NewZone("cairn", 0),
		{Host: "cairn", Instance: "v1.0", Port: 80},
	} {
		if err := z.Validate(); err == nil {
			t.Errorf("Zone%+v.Validate() = nil, want an error", z)
		}
	}
	if err := testZone.Validate(); err != nil {
		t.Errorf("NewZone(cairn, 8080).Validate() = %v", err)
	}
}

// FuzzAnswer feeds arbitrary bytes to the query decoder: it must not
// panic, and every reply it makes must parse.
func FuzzAnswer(f *testing.F) {
	f.Add(query(f, 0, false, q("cairn.local.", dnsmessage.TypeA)))
	f.Add(query(f, 1, true, q("_http._tcp.local.", dnsmessage.TypePTR), q("cairn.local.", dnsmessage.TypeALL)))
	f.Add(query(f, 2, false, q("Cairn on cairn._http._tcp.local.", dnsmessage.TypeSRV)))
	f.Add(query(f, 3, false, q("_services._dns-sd._udp.local.", dnsmessage.TypePTR)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, legacy := range []bool{false, true} {
			r, err := testZone.Answer(b, testAddrs, legacy)
			if err != nil || r.Msg == nil {
				continue
			}
			var m dnsmessage.Message
			if err := m.Unpack(r.Msg); err != nil {
				t.Fatalf("reply to %x does not parse: %v", b, err)
			}
			if len(r.Msg) > mdns.MaxMessage {
				t.Fatalf("reply of %d bytes, over %d", len(r.Msg), mdns.MaxMessage)
			}
		}
	})
}
