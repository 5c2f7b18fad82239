package discovery

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum/p2p/dnsdisc"
	"github.com/ethereum/go-ethereum/p2p/enode"
)

// Resolver looks up DNS TXT records; go-ethereum's dnsdisc.Resolver. Tests
// pass an in-memory one.
type Resolver = dnsdisc.Resolver

// DefaultDNSTimeout bounds each DNS lookup when DNSOptions.Timeout is zero
// (dnsdisc's default).
const DefaultDNSTimeout = 5 * time.Second

// DNSOptions configures ResolveDNS.
type DNSOptions struct {
	// Resolver answers the TXT lookups. Nil means the system resolver
	// (net.DefaultResolver): real DNS traffic.
	Resolver Resolver
	// Predicate selects the records returned. Nil keeps every record,
	// as nwaku's waku_dnsdisc does.
	Predicate Predicate
	// Timeout bounds each lookup. Zero means DefaultDNSTimeout.
	Timeout time.Duration
}

// ResolveDNS syncs the EIP-1459 trees at urls (enrtree://<key>@<domain>),
// verifying the root signature against the key in each URL and every
// entry's hash, and returns the records that pass opts.Predicate,
// deduplicated by node ID. Trees linked from a tree are not followed (as
// nwaku). A URL that fails to sync is reported in the joined error, but
// records from the others are still returned. It stops before the next
// URL once ctx ends.
func ResolveDNS(ctx context.Context, urls []string, opts DNSOptions) ([]*enode.Node, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultDNSTimeout
	}
	client := dnsdisc.NewClient(dnsdisc.Config{Resolver: opts.Resolver, Timeout: opts.Timeout})
	var out []*enode.Node
	var errs []error
	seen := map[enode.ID]bool{}
	for _, url := range urls {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		tree, err := client.SyncTree(url)
		if err != nil {
			errs = append(errs, fmt.Errorf("discovery: sync %s: %w", url, err))
			continue
		}
		for _, n := range tree.Nodes() {
			if seen[n.ID()] || (opts.Predicate != nil && !opts.Predicate(n)) {
				continue
			}
			seen[n.ID()] = true
			out = append(out, n)
		}
	}
	return out, errors.Join(errs...)
}
