package discovery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"

	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/p2p/dnsdisc"
	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/cairn-node/cairn/node/waku/discovery"
	"github.com/cairn-node/cairn/node/waku/enr"
)

// txtResolver is an in-memory DNS: domain -> TXT record. Unknown names
// fail, and nothing leaves the process.
type txtResolver map[string]string

func (r txtResolver) LookupTXT(_ context.Context, domain string) ([]string, error) {
	if v, ok := r[domain]; ok {
		return []string{v}, nil
	}
	return nil, fmt.Errorf("no TXT record for %s", domain)
}

// wakuNode builds a record on cluster with shards, TCP port port.
func wakuNode(t *testing.T, cluster uint16, port int, shards ...uint16) *enode.Node {
	t.Helper()
	key, err := gethcrypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	n, err := enr.Build(key, enr.Fields{IP: net.IPv4(127, 0, 0, 1), TCP: port, Capabilities: enr.Relay,
		Shards: &enr.RelayShards{Cluster: cluster, Shards: shards}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// signedTree publishes nodes as a tree at domain, signed with a fresh key.
func signedTree(t *testing.T, domain string, nodes []*enode.Node, r txtResolver) string {
	t.Helper()
	tree, err := dnsdisc.MakeTree(1, nodes, nil)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := gethcrypto.GenerateKey()
	url, err := tree.Sign(key, domain)
	if err != nil {
		t.Fatal(err)
	}
	for name, txt := range tree.ToTXT(domain) {
		r[name] = txt
	}
	return url
}

func TestResolveDNS(t *testing.T) {
	nodes := []*enode.Node{wakuNode(t, 1, 60001, 0), wakuNode(t, 1, 60002, 3), wakuNode(t, 2, 60003, 0)}
	r := txtResolver{}
	url := signedTree(t, "nodes.example.org", nodes, r)
	if !strings.HasPrefix(url, "enrtree://") {
		t.Fatalf("Sign url = %q", url)
	}
	got, err := discovery.ResolveDNS(context.Background(), []string{url}, discovery.DNSOptions{Resolver: r})
	if err != nil || len(got) != 3 {
		t.Fatalf("ResolveDNS = %d records, %v; want 3", len(got), err)
	}
	if ais := enr.AddrInfos(got); len(ais) != 3 {
		t.Errorf("AddrInfos = %v, want 3 peers", ais)
	}
	var ports []int
	for _, n := range got {
		ports = append(ports, n.TCP())
	}
	slices.Sort(ports)
	if !slices.Equal(ports, []int{60001, 60002, 60003}) {
		t.Errorf("ports = %v, want 60001..60003", ports)
	}

	pred := discovery.ShardPredicate(enr.RelayShards{Cluster: 1, Shards: []uint16{0}}, nil)
	got, err = discovery.ResolveDNS(context.Background(), []string{url}, discovery.DNSOptions{Resolver: r, Predicate: pred})
	if err != nil || len(got) != 1 || got[0].ID() != nodes[0].ID() {
		t.Errorf("ResolveDNS(cluster 1 shard 0) = %v, %v; want the first node only", got, err)
	}
}

// TestResolveDNSBadSignature serves a tree signed by another key than the
// one in the URL, next to a good tree.
func TestResolveDNSBadSignature(t *testing.T) {
	good := txtResolver{}
	goodURL := signedTree(t, "good.example.org", []*enode.Node{wakuNode(t, 1, 60001, 0)}, good)
	forged := txtResolver{}
	signedTree(t, "bad.example.org", []*enode.Node{wakuNode(t, 1, 60002, 0)}, forged)
	otherKey := txtResolver{}
	otherURL := signedTree(t, "bad.example.org", []*enode.Node{wakuNode(t, 1, 60003, 0)}, otherKey)
	for k, v := range forged { // the DNS serves the forged tree at the name otherURL names
		good[k] = v
	}
	got, err := discovery.ResolveDNS(context.Background(), []string{otherURL, goodURL}, discovery.DNSOptions{Resolver: good})
	if err == nil || !strings.Contains(err.Error(), "bad.example.org") {
		t.Errorf("ResolveDNS error = %v, want one naming bad.example.org", err)
	}
	if len(got) != 1 || got[0].TCP() != 60001 {
		t.Errorf("ResolveDNS = %v, want the good tree's node", got)
	}
	if _, err := discovery.ResolveDNS(context.Background(), []string{"enrtree://bad"}, discovery.DNSOptions{Resolver: good}); err == nil {
		t.Error("ResolveDNS(malformed url): no error")
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
