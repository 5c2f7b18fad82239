package netup

import (
	"net/netip"
	"strings"
)

// MergeResolvConf returns the resolv.conf text old with a nameserver line
// for each of servers it does not list yet, appended in order: DHCPv6's
// servers join DHCPv4's instead of replacing them.
func MergeResolvConf(old string, servers []netip.Addr) string {
	have := map[netip.Addr]bool{}
	for _, line := range strings.Split(old, "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "nameserver" {
			if a, err := netip.ParseAddr(f[1]); err == nil {
				have[a] = true
			}
		}
	}
	var b strings.Builder
	b.WriteString(old)
	if old != "" && !strings.HasSuffix(old, "\n") {
		b.WriteByte('\n')
	}
	for _, s := range servers {
		if !have[s] {
			b.WriteString("nameserver " + s.String() + "\n")
			have[s] = true
		}
	}
	return b.String()
}
