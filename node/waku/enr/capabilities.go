package enr

import "strings"

// CapabilitiesKey is the ENR key of the capability bitfield.
const CapabilitiesKey = "waku2"

// Capabilities is the "waku2" bitfield of RFC 31: bit 0 (the least
// significant) is relay, then store, filter, lightpush, sync and mix, as
// nwaku's Capabilities enum numbers them. Bits 6 and 7 are undefined and
// kept as read.
type Capabilities uint8

// The capability bits, in nwaku's order (waku_enr/capabilities.nim).
const (
	Relay     Capabilities = 1 << 0
	Store     Capabilities = 1 << 1
	Filter    Capabilities = 1 << 2
	Lightpush Capabilities = 1 << 3
	Sync      Capabilities = 1 << 4
	Mix       Capabilities = 1 << 5
)

var capabilityNames = []struct {
	c    Capabilities
	name string
}{{Relay, "relay"}, {Store, "store"}, {Filter, "filter"}, {Lightpush, "lightpush"}, {Sync, "sync"}, {Mix, "mix"}}

// Has reports whether every bit of want is set in c.
func (c Capabilities) Has(want Capabilities) bool { return c&want == want }

// Defined reports whether c has at least one defined capability bit, the
// test nwaku's discv5 filter applies ("getCapabilities().len > 0").
func (c Capabilities) Defined() bool { return c&(Relay|Store|Filter|Lightpush|Sync|Mix) != 0 }

// String lists the set capabilities, such as "relay|store", or "none".
func (c Capabilities) String() string {
	var names []string
	for _, cn := range capabilityNames {
		if c.Has(cn.c) {
			names = append(names, cn.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}
