//go:build !linux

package mdns

import (
	"context"
	"errors"
	"log/slog"
	"net"
)

// openGroups is Linux-only: the appliance is the only user of Start.
func openGroups(context.Context, []Interface, *slog.Logger) ([]groupSender, []net.PacketConn, error) {
	return nil, nil, errors.New("mdns: multicast responder is implemented on Linux only; use Serve for unicast")
}
