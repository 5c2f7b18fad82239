package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/cairn-node/cairn/node"
)

// FarmStatusPath is where a node that runs a prover farm serves its
// status document (package node/farm).
const FarmStatusPath = "/api/farm/v1/status"

// maxFarmBytes bounds the farm document.
const maxFarmBytes = 1 << 20

// HTTPFarm returns a FarmSource that GETs baseURL+FarmStatusPath with
// client (nil: a client with a 2 s timeout). A 404 means the node runs no
// farm: the source returns nil and no error, and the page hides its panel.
func HTTPFarm(baseURL string, client *http.Client) FarmSource {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
	}
	return func(ctx context.Context) (json.RawMessage, error) {
		if baseURL == "" {
			return nil, nil
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+FarmStatusPath, nil)
		if err != nil {
			return nil, fmt.Errorf("farm status: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("farm status: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			return nil, nil
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, maxFarmBytes))
		if err != nil {
			return nil, fmt.Errorf("farm status: %w", err)
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("farm status: GET %s: %s", FarmStatusPath, resp.Status)
		}
		if !json.Valid(b) {
			return nil, fmt.Errorf("farm status: GET %s: not JSON", FarmStatusPath)
		}
		return b, nil
	}
}

// loopbackURL is the node's API URL for requests from the node's own
// process: an unspecified listen address (0.0.0.0) becomes loopback.
func loopbackURL(n *node.Node) string {
	a, ok := n.Addr().(*net.TCPAddr)
	if !ok {
		return ""
	}
	ip := a.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
		if a.IP.To4() == nil {
			ip = net.IPv6loopback
		}
	}
	return "http://" + net.JoinHostPort(ip.String(), fmt.Sprint(a.Port))
}
