package mdns

import (
	"fmt"

	"golang.org/x/net/dns/dnsmessage"
)

// MaxMessage is the largest message sent or read: an Ethernet MTU less
// the IPv6 and UDP headers (RFC 6762 §17).
const MaxMessage = 1500 - 40 - 8

// build packs a message.
func build(h dnsmessage.Header, qs []dnsmessage.Question, answers, extra []dnsmessage.Resource) ([]byte, error) {
	msg := dnsmessage.Message{Header: h, Questions: qs, Answers: answers, Additionals: extra}
	b, err := msg.AppendPack(make([]byte, 0, 512))
	if err != nil {
		return nil, fmt.Errorf("mdns: pack response: %w", err)
	}
	return b, nil
}

// suppress returns answers less those the querier already knows with at
// least half their TTL left (RFC 6762 §7.1).
func suppress(answers, known []dnsmessage.Resource) []dnsmessage.Resource {
	out := answers[:0]
	for _, a := range answers {
		if !knownAnswer(a, known) {
			out = append(out, a)
		}
	}
	return out
}

// knownAnswer reports whether a is among known with TTL ≥ a.TTL/2.
func knownAnswer(a dnsmessage.Resource, known []dnsmessage.Resource) bool {
	for _, k := range known {
		if k.Header.Type == a.Header.Type && k.Header.Name.String() == a.Header.Name.String() &&
			k.Header.TTL >= a.Header.TTL/2 && k.Body.GoString() == a.Body.GoString() {
			return true
		}
	}
	return false
}

// mustName converts a name the zone built itself (validated labels,
// under 255 bytes).
func mustName(s string) dnsmessage.Name {
	n, err := dnsmessage.NewName(s)
	if err != nil {
		panic(fmt.Sprintf("BUG: mdns: name %q: %v", s, err))
	}
	return n
}
