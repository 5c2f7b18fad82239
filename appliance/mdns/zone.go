package mdns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// TTLs of the records, as RFC 6762 §10 recommends: host name records
// change with addresses, service records rarely.
const (
	// HostTTL is the TTL of the A and AAAA records, and of SRV (it names
	// the host), in seconds.
	HostTTL = 120
	// ServiceTTL is the TTL of the PTR and TXT records, in seconds.
	ServiceTTL = 75 * 60
)

// Flag bits mDNS adds to the class field (RFC 6762 §5.4, §10.2).
const (
	// classQU in a question asks for a unicast reply.
	classQU = 1 << 15
	// classCacheFlush in an answer says the record set replaces any
	// cached one (the responder owns the name).
	classCacheFlush = 1 << 15
)

// ServiceType is the DNS-SD type announced: a web page (the node's API
// and dashboard).
const ServiceType = "_http._tcp.local."

// servicesEnum is the DNS-SD meta query that lists service types
// (RFC 6763 §9).
const servicesEnum = "_services._dns-sd._udp.local."

// ErrNotQuery is returned by Answer for a message that is not a query
// (responses from other responders arrive on the same group).
var ErrNotQuery = errors.New("mdns: not a query")

// Zone is what the responder answers for: a host and one HTTP service on
// it. Its methods are pure functions of their arguments, safe for
// concurrent use.
type Zone struct {
	// Host is the host label ("cairn"): the box answers for Host.local.
	Host string
	// Instance is the service instance name ("Cairn on cairn"); it may
	// hold spaces and any UTF-8 but no dots.
	Instance string
	// Port is the HTTP port of the service.
	Port uint16
	// TXT holds the service's key=value strings ("path=/").
	TXT []string
}

// NewZone returns the zone of a node on host serving HTTP on port:
// instance "Cairn on <host>", TXT path=/.
func NewZone(host string, port uint16) Zone {
	return Zone{Host: host, Instance: "Cairn on " + host, Port: port, TXT: []string{"path=/"}}
}

// Validate reports a zone that cannot be announced.
func (z Zone) Validate() error {
	switch {
	case z.Host == "" || strings.ContainsAny(z.Host, ". ") || len(z.Host) > 63:
		return fmt.Errorf("mdns: host label %q must be 1 to 63 characters without dots or spaces; set a plain hostname", z.Host)
	case z.Instance == "" || len(z.Instance) > 63 || strings.Contains(z.Instance, "."):
		return fmt.Errorf("mdns: instance name %q must be 1 to 63 bytes without dots", z.Instance)
	case z.Port == 0:
		return errors.New("mdns: no service port; pass the node's API port")
	}
	return nil
}

// HostName is the host's fully qualified name ("cairn.local.").
func (z Zone) HostName() string { return z.Host + ".local." }

// InstanceName is the service instance's full name ("Cairn on
// cairn._http._tcp.local.").
func (z Zone) InstanceName() string { return z.Instance + "." + ServiceType }

// Reply is the response to one query.
type Reply struct {
	// Msg is the DNS message to send; nil when the zone has no answer.
	Msg []byte
	// Unicast says Msg goes back to the querier's address instead of the
	// group: a legacy unicast query (source port not 5353, RFC 6762
	// §6.7) or every question asking for a unicast reply (QU bit).
	Unicast bool
	// Shared says Msg answers with shared records (PTR), which other
	// responders may hold too: a multicast reply waits 20 to 120 ms
	// first, so that replies do not collide (RFC 6762 §6).
	Shared bool
}

// Answer decodes a query and returns the reply of the zone for a box
// whose addresses on the interface the query came in on are addrs.
// legacy says the query came from a port other than 5353: the reply then
// repeats the query's ID and questions and is sent back unicast with
// TTLs of at most 10 s, as for a plain DNS client (RFC 6762 §6.7). A
// message that is not a query gives ErrNotQuery; a malformed one an
// error; a query for other names a Reply with a nil Msg. It never
// panics on any input.
func (z Zone) Answer(query []byte, addrs []netip.Addr, legacy bool) (Reply, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return Reply{}, fmt.Errorf("mdns: bad query: %w", err)
	}
	if h.Response {
		return Reply{}, ErrNotQuery
	}
	if h.OpCode != 0 {
		return Reply{}, nil // RFC 6762 §18.3: ignore other opcodes
	}
	qs, err := p.AllQuestions()
	if err != nil {
		return Reply{}, fmt.Errorf("mdns: bad question: %w", err)
	}
	var answers []dnsmessage.Resource
	unicast := legacy
	allQU := len(qs) > 0
	for _, q := range qs {
		rs := z.records(q.Name.String(), q.Type, addrs)
		answers = append(answers, rs...)
		if len(rs) > 0 && q.Class&classQU == 0 {
			allQU = false
		}
	}
	if len(answers) == 0 {
		return Reply{}, nil
	}
	unicast = unicast || allQU
	// Known-answer suppression (RFC 6762 §7.1): leave out what the
	// querier listed with at least half our TTL.
	if known, err := p.AllAnswers(); err == nil {
		answers = suppress(answers, known)
	}
	if len(answers) == 0 {
		return Reply{}, nil
	}
	extra := z.additional(answers, addrs)
	rh := dnsmessage.Header{Response: true, Authoritative: true}
	var questions []dnsmessage.Question
	if legacy {
		rh.ID = h.ID
		questions = qs
		for i := range answers {
			answers[i].Header.TTL = min(answers[i].Header.TTL, 10)
			answers[i].Header.Class &^= classCacheFlush
		}
		for i := range extra {
			extra[i].Header.TTL = min(extra[i].Header.TTL, 10)
			extra[i].Header.Class &^= classCacheFlush
		}
	}
	shared := false
	for _, a := range answers {
		shared = shared || a.Header.Class&classCacheFlush == 0
	}
	msg, err := build(rh, questions, answers, extra)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Msg: msg, Unicast: unicast, Shared: shared && !legacy}, nil
}

// Announcement returns an unsolicited response with all the zone's
// records for addrs (RFC 6762 §8.3). With goodbye, every TTL is zero:
// the records are withdrawn (§10.1).
func (z Zone) Announcement(addrs []netip.Addr, goodbye bool) ([]byte, error) {
	var rs []dnsmessage.Resource
	for _, q := range []struct {
		name string
		t    dnsmessage.Type
	}{
		{z.HostName(), dnsmessage.TypeA}, {z.HostName(), dnsmessage.TypeAAAA},
		{ServiceType, dnsmessage.TypePTR}, {z.InstanceName(), dnsmessage.TypeSRV},
		{z.InstanceName(), dnsmessage.TypeTXT}, {servicesEnum, dnsmessage.TypePTR},
	} {
		rs = append(rs, z.records(q.name, q.t, addrs)...)
	}
	if goodbye {
		for i := range rs {
			rs[i].Header.TTL = 0
		}
	}
	return build(dnsmessage.Header{Response: true, Authoritative: true}, nil, rs, nil)
}

// records returns the zone's records of type t (or all types for
// TypeALL) at name, matched case-insensitively.
func (z Zone) records(name string, t dnsmessage.Type, addrs []netip.Addr) []dnsmessage.Resource {
	want := func(rt dnsmessage.Type) bool { return t == rt || t == dnsmessage.TypeALL }
	var rs []dnsmessage.Resource
	switch {
	case strings.EqualFold(name, z.HostName()):
		for _, a := range addrs {
			a = a.Unmap()
			if a.Is4() && want(dnsmessage.TypeA) {
				rs = append(rs, z.resource(z.HostName(), dnsmessage.TypeA, HostTTL, true, &dnsmessage.AResource{A: a.As4()}))
			}
			if a.Is6() && want(dnsmessage.TypeAAAA) {
				rs = append(rs, z.resource(z.HostName(), dnsmessage.TypeAAAA, HostTTL, true, &dnsmessage.AAAAResource{AAAA: a.As16()}))
			}
		}
	case strings.EqualFold(name, ServiceType) && want(dnsmessage.TypePTR):
		rs = append(rs, z.resource(ServiceType, dnsmessage.TypePTR, ServiceTTL, false, &dnsmessage.PTRResource{PTR: mustName(z.InstanceName())}))
	case strings.EqualFold(name, servicesEnum) && want(dnsmessage.TypePTR):
		rs = append(rs, z.resource(servicesEnum, dnsmessage.TypePTR, ServiceTTL, false, &dnsmessage.PTRResource{PTR: mustName(ServiceType)}))
	case strings.EqualFold(name, z.InstanceName()):
		if want(dnsmessage.TypeSRV) {
			rs = append(rs, z.resource(z.InstanceName(), dnsmessage.TypeSRV, HostTTL, true, &dnsmessage.SRVResource{Port: z.Port, Target: mustName(z.HostName())}))
		}
		if want(dnsmessage.TypeTXT) {
			rs = append(rs, z.resource(z.InstanceName(), dnsmessage.TypeTXT, ServiceTTL, true, &dnsmessage.TXTResource{TXT: z.TXT}))
		}
	}
	return rs
}

// additional returns the records a querier will want next (RFC 6763
// §12): SRV and TXT after a PTR, addresses after an SRV, leaving out
// those already answered.
func (z Zone) additional(answers []dnsmessage.Resource, addrs []netip.Addr) []dnsmessage.Resource {
	has := map[dnsmessage.Type]bool{}
	for _, a := range answers {
		if a.Header.Name.String() != servicesEnum {
			has[a.Header.Type] = true
		}
	}
	var extra []dnsmessage.Resource
	if has[dnsmessage.TypePTR] {
		for _, t := range []dnsmessage.Type{dnsmessage.TypeSRV, dnsmessage.TypeTXT} {
			if !has[t] {
				extra = append(extra, z.records(z.InstanceName(), t, addrs)...)
				has[t] = true
			}
		}
	}
	if has[dnsmessage.TypeSRV] && !has[dnsmessage.TypeA] && !has[dnsmessage.TypeAAAA] {
		extra = append(extra, z.records(z.HostName(), dnsmessage.TypeALL, addrs)...)
	}
	return extra
}

// resource makes one record; unique records carry the cache-flush bit.
func (z Zone) resource(name string, t dnsmessage.Type, ttl uint32, unique bool, body dnsmessage.ResourceBody) dnsmessage.Resource {
	class := dnsmessage.ClassINET
	if unique {
		class |= classCacheFlush
	}
	return dnsmessage.Resource{
		Header: dnsmessage.ResourceHeader{Name: mustName(name), Type: t, Class: class, TTL: ttl},
		Body:   body,
	}
}
