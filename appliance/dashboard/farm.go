package dashboard

import (
	"context"
	"encoding/json"

	"github.com/cairn-node/cairn/node"
)

// NodeFarm returns a FarmSource that reads n's prover farm status in
// process (node.Node.FarmStatus): the document the node serves at
// farm.StatusPath, without an HTTP round trip through the node's own API,
// which --api-auth closes to requests without a token. A node without a
// farm gives nil and no error, and the page hides its panel.
func NodeFarm(n *node.Node) FarmSource {
	return func(ctx context.Context) (json.RawMessage, error) {
		st, ok, err := n.FarmStatus(ctx)
		if err != nil || !ok {
			return nil, err
		}
		return json.Marshal(st)
	}
}
