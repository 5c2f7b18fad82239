// Package mdns is the appliance's Multicast DNS responder (RFC 6762) with
// DNS-SD service records (RFC 6763): it answers for <host>.local with the
// box's IPv4 and IPv6 addresses and announces the node's HTTP API as the
// service "Cairn on <host>._http._tcp.local." (SRV to <host>.local and the
// API port, TXT path=/), so a browser or `avahi-browse -r _http._tcp`
// finds the box on the LAN with no configuration.
//
// The packet logic ([Zone]: decode a query, build the reply or an
// announcement) is pure and separate from the sockets ([Responder]),
// and is written on golang.org/x/net/dns/dnsmessage.
//
// # Usage
//
//	r, err := mdns.New(mdns.Options{Hostname: "cairn", Port: 8080})
//	err = r.Start() // Linux: port 5353, groups 224.0.0.251 and ff02::fb
//	defer r.Close() // sends the goodbye (TTL 0) packets
//
// Start joins the groups on every interface that is up, can multicast
// and has an address, probes for its names (RFC 6762 §8.1: three probes
// 250 ms apart), announces twice a second apart, and polls the
// interfaces to join and announce again when addresses change (a DHCP
// lease arriving after boot). Replies go to the group on the interface
// the query came in on, with that interface's addresses; queries asking
// for a unicast reply (QU) and legacy queries from ports other than 5353
// get a unicast one. [Responder.Serve] answers plain DNS queries on any
// socket, which is how the tests ask it on 127.0.0.1.
//
// # Name conflicts
//
// A second box that wants the same name gets "<host>-2.local" (then -3,
// …; §9): a box that already holds the name answers the newcomer's
// probes, and of two boxes probing at once the one whose records sort
// later keeps it (the tie-break of §8.2, [Zone.Conflict]). A box that
// hears another host answer for its name after it announced probes
// again. [Responder.Zone] gives the name in use; the log says when it
// changes. While probing, the responder answers nothing.
package mdns
