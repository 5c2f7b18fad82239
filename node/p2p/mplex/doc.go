// Package mplex is a go-libp2p stream multiplexer for mplex
// (/mplex/6.7.0), written from the libp2p spec (libp2p/specs
// mplex/README.md). go-libp2p ships only yamux; js-waku's light clients
// (@waku/sdk) build their libp2p with mplex only, so Cairn offers mplex
// after yamux: yamux stays preferred and mplex is negotiated only with
// peers that lack yamux.
//
// # Usage
//
//	h, err := libp2p.New(
//		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
//		libp2p.Muxer(mplex.ID, mplex.DefaultTransport),
//	)
//
// A Transport with non-zero fields overrides the defaults (see Transport).
//
// # Wire format
//
// Every frame is a uvarint header (stream id << 3 | flag), a uvarint
// length and that many bytes of data. Each side numbers the streams it
// opens from 0; the flag says whether a frame comes from the stream's
// initiator (even flags) or receiver (odd flags), so the two id spaces
// never clash. A NewStream frame carries the stream's name: this package
// sends the id in decimal, as js-libp2p does, and ignores names it
// receives.
//
// # Back-pressure
//
// mplex has no flow control. Each stream buffers at most
// Transport.MaxStreamBuffer bytes of received data (an empty buffer always
// takes one whole frame). When a frame does not fit, the connection's
// reader waits up to Transport.ReceiveTimeout for the application to read;
// after that it resets the stream and drops the frame. This is go-mplex's
// choice; while it waits, the other streams of the connection wait too.
// js-libp2p resets at once above 4 MiB instead. Buffered bytes are
// reserved in the connection's network.PeerScope; a refused reservation
// resets the stream with network.StreamResourceLimitExceeded.
//
// A remote peer may keep at most Transport.MaxInboundStreams streams open
// (js-libp2p's limit, 1024); more are reset at once. Malformed input (a
// varint over 9 bytes, flag 7, a frame over MaxFrameSize, a NewStream
// frame for an id in use) closes the connection with an error that wraps
// ErrProtocol; it never panics.
//
// Outgoing data is split into frames of at most MaxWriteFrame bytes, so
// frames of different streams interleave. Writes are copied and handed to
// the connection's single writer goroutine: Write returns once its last
// frame is handed over, which is when write deadlines stop applying.
package mplex
