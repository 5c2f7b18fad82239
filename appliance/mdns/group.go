package mdns

// groupSender is one multicast socket, of one address family, joined to
// the mDNS group on the responder's interfaces.
type groupSender interface {
	// send multicasts msg on interface index; failures are logged.
	send(msg []byte, index int)
	// join joins the group on ifaces not joined yet.
	join(ifaces []Interface)
	// serve answers queries until the socket is closed.
	serve(r *Responder)
}
