package mdns

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// Probe returns a probe for the zone's unique names (RFC 6762 §8.1): a
// query of type ANY for the host name and for the service instance name,
// with the records the zone proposes for them (for addrs) in the
// authority section, which is what simultaneous probes compare (§8.2).
//
// The questions ask for multicast answers (QM). The RFC recommends QU
// for the first probe; QM costs a little traffic but lets every socket
// on the prober's side see a defence, also when another responder on the
// same host shares port 5353.
func (z Zone) Probe(addrs []netip.Addr) ([]byte, error) {
	qs := []dnsmessage.Question{
		{Name: mustName(z.HostName()), Type: dnsmessage.TypeALL, Class: dnsmessage.ClassINET},
		{Name: mustName(z.InstanceName()), Type: dnsmessage.TypeALL, Class: dnsmessage.ClassINET},
	}
	auth := z.proposed(z.HostName(), addrs)
	auth = append(auth, z.proposed(z.InstanceName(), addrs)...)
	msg := dnsmessage.Message{Questions: qs, Authorities: auth}
	b, err := msg.AppendPack(make([]byte, 0, 512))
	if err != nil {
		return nil, fmt.Errorf("mdns: pack probe: %w", err)
	}
	return b, nil
}

// proposed returns the zone's records at name as a probe lists them:
// without the cache-flush bit (§8.2 compares the plain class).
func (z Zone) proposed(name string, addrs []netip.Addr) []dnsmessage.Resource {
	rs := z.records(name, dnsmessage.TypeALL, addrs)
	for i := range rs {
		rs[i].Header.Class &^= classCacheFlush
	}
	return rs
}

// Conflict reports whether msg, a packet from the network, contests one of
// the zone's unique names (the host name and the service instance name)
// for a box whose addresses are addrs:
//
//   - a response with a live record (TTL above zero) at one of those
//     names that the zone would not give itself (RFC 6762 §9: another
//     host uses the name);
//   - while probing, a probe from another host proposing records for one
//     of those names that differ from the zone's and sort after them
//     (the simultaneous-probe tie-break of §8.2: the lexicographically
//     later set keeps the name, the other host picks another).
//
// Records the zone itself would give are no conflict (a proxy's copy, or
// our own packet). Malformed messages are no conflict either.
func (z Zone) Conflict(msg []byte, addrs []netip.Addr, probing bool) bool {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil {
		return false
	}
	if err := p.SkipAllQuestions(); err != nil {
		return false
	}
	owned := func(n dnsmessage.Name) (string, bool) {
		s := n.String()
		for _, name := range []string{z.HostName(), z.InstanceName()} {
			if strings.EqualFold(s, name) {
				return name, true
			}
		}
		return "", false
	}
	if h.Response {
		answers, err := p.AllAnswers()
		if err != nil {
			return false
		}
		for _, a := range answers {
			name, ok := owned(a.Header.Name)
			if !ok || a.Header.TTL == 0 {
				continue
			}
			ours := z.records(name, a.Header.Type, addrs)
			if !slices.ContainsFunc(ours, func(o dnsmessage.Resource) bool { return o.Body.GoString() == a.Body.GoString() }) {
				return true
			}
		}
		return false
	}
	if !probing {
		return false
	}
	if err := p.SkipAllAnswers(); err != nil {
		return false
	}
	auth, err := p.AllAuthorities()
	if err != nil {
		return false
	}
	theirs := map[string][]dnsmessage.Resource{}
	for _, a := range auth {
		if name, ok := owned(a.Header.Name); ok {
			theirs[name] = append(theirs[name], a)
		}
	}
	for name, rs := range theirs {
		if compareRecordSets(rs, z.proposed(name, addrs)) > 0 {
			return true
		}
	}
	return false
}

// compareRecordSets compares two record sets as RFC 6762 §8.2 does: each
// sorted by class, type and data, then compared record by record; a set
// that runs out first sorts first.
func compareRecordSets(a, b []dnsmessage.Resource) int {
	ka, kb := recordKeys(a), recordKeys(b)
	for i := range min(len(ka), len(kb)) {
		if c := bytes.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
	}
	return len(ka) - len(kb)
}

// recordKeys returns the sorted comparison keys of rs: class (without the
// cache-flush bit), type and data in wire form.
func recordKeys(rs []dnsmessage.Resource) [][]byte {
	keys := make([][]byte, 0, len(rs))
	for _, r := range rs {
		k := binary.BigEndian.AppendUint16(nil, uint16(r.Header.Class&^classCacheFlush))
		k = binary.BigEndian.AppendUint16(k, uint16(r.Header.Type))
		keys = append(keys, append(k, rdata(r.Body)...))
	}
	slices.SortFunc(keys, bytes.Compare)
	return keys
}

// rdata returns a record's data in wire form (names uncompressed, as the
// tie-break wants) for the types a zone holds, and a stable text form for
// others.
func rdata(b dnsmessage.ResourceBody) []byte {
	switch r := b.(type) {
	case *dnsmessage.AResource:
		return r.A[:]
	case *dnsmessage.AAAAResource:
		return r.AAAA[:]
	case *dnsmessage.SRVResource:
		k := binary.BigEndian.AppendUint16(nil, r.Priority)
		k = binary.BigEndian.AppendUint16(k, r.Weight)
		k = binary.BigEndian.AppendUint16(k, r.Port)
		return append(k, wireName(r.Target)...)
	case *dnsmessage.TXTResource:
		var k []byte
		for _, s := range r.TXT {
			k = append(append(k, byte(len(s))), s...)
		}
		return k
	case *dnsmessage.PTRResource:
		return wireName(r.PTR)
	}
	return []byte(b.GoString())
}

// wireName returns n in uncompressed wire form, labels lower-cased.
func wireName(n dnsmessage.Name) []byte {
	var k []byte
	for _, l := range strings.Split(strings.TrimSuffix(strings.ToLower(n.String()), "."), ".") {
		k = append(append(k, byte(len(l))), l...)
	}
	return append(k, 0)
}
