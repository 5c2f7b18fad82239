package enr_test

import (
	"bufio"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/p2p/enode"

	"github.com/cairn-node/cairn/node/waku/enr"
)

// vectors reads testdata/enrs.txt (see testdata/SOURCE): name -> ENR text.
func vectors(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/enrs.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if l := s.Text(); l != "" && !strings.HasPrefix(l, "#") {
			name, v, _ := strings.Cut(l, " ")
			out[name] = v
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func addrStrings(t *testing.T, n *enode.Node) []string {
	t.Helper()
	ai, err := enr.AddrInfo(n)
	if err != nil {
		t.Fatalf("AddrInfo = %v", err)
	}
	var out []string
	for _, a := range ai.Addrs {
		out = append(out, a.String())
	}
	return out
}

// TestUpstreamVectors decodes the ENRs of nwaku's and js-waku's tests and
// checks what those tests state about them.
func TestUpstreamVectors(t *testing.T) {
	const noCaps = enr.Capabilities(0xff) // marks "no waku2 field"
	for _, tc := range []struct {
		name   string
		caps   enr.Capabilities
		shards *enr.RelayShards // nil: no rs/rsv field
		addrs  []string         // AddrInfo's addresses, in order
		peerID string           // "" when upstream states none
	}{
		{
			name: "jswaku-multiaddrs", caps: noCaps,
			addrs: []string{
				"/dns4/node-01.do-ams3.wakuv2.test.statusim.net/tcp/443/wss",
				"/dns6/node-01.ac-cn-hongkong-c.wakuv2.test.statusim.net/tcp/443/wss",
				"/onion3/vww6ybal4bd7szmgncyruucpgfkqahzddi37ktceo3ah7ngmcopnpyyd:1234/wss",
			},
		},
		{
			name: "jswaku-tcp", caps: noCaps,
			addrs:  []string{"/ip4/134.209.139.210/tcp/30303"},
			peerID: "16Uiu2HAmPLe7Mzm8TsYUubgCAW1aJoeFScxrLj8ppHFivPo97bUZ",
		},
		{name: "jswaku-dns-relay", caps: enr.Relay, addrs: []string{"/ip4/192.168.178.251/tcp/8002", "/ip4/192.168.178.251/tcp/8002/ws"}},
		{name: "jswaku-dns-store", caps: enr.Store, addrs: []string{"/ip4/0.0.0.0/tcp/60000"}},
		{name: "jswaku-dns-relay-store", caps: enr.Relay | enr.Store, addrs: []string{"/ip4/192.168.178.251/tcp/8002", "/ip4/192.168.178.251/tcp/8002/ws"}},
		{name: "nwaku-non-waku", caps: noCaps, addrs: []string{"/ip4/3.19.194.157/tcp/9000"}},
		{
			// nwaku's test states the two multiaddrs; waku2=3 and the rs
			// bytes 0010 05 0001 0020 0040 0080 0100 are read off the record.
			name: "nwaku-multiaddrs", caps: enr.Relay | enr.Store,
			shards: &enr.RelayShards{Cluster: 16, Shards: []uint16{1, 32, 64, 128, 256}},
			addrs: []string{
				"/ip4/159.223.242.94/tcp/30303",
				"/dns4/store-01.do-ams3.status.prod.status.im/tcp/30303",
				"/dns4/store-01.do-ams3.status.prod.status.im/tcp/443/wss",
			},
		},
		{
			name: "nwaku-discv5", caps: enr.Relay,
			shards: &enr.RelayShards{Cluster: 0, Shards: []uint16{0, 1, 2, 3, 4, 5, 6, 7}},
			addrs:  []string{"/ip4/10.100.102.3/tcp/60000"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, ok := vectors(t)[tc.name]
			if !ok {
				t.Fatalf("no vector %q in testdata/enrs.txt", tc.name)
			}
			n, err := enr.Parse(text)
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			caps, err := enr.CapabilitiesOf(n.Record())
			if tc.caps == noCaps {
				if !errors.Is(err, enr.ErrNoField) {
					t.Errorf("CapabilitiesOf = %v, %v; want ErrNoField", caps, err)
				}
			} else if err != nil || caps != tc.caps {
				t.Errorf("CapabilitiesOf = %v, %v; want %v", caps, err, tc.caps)
			}
			rs, err := enr.ShardsOf(n.Record())
			if tc.shards == nil {
				if !errors.Is(err, enr.ErrNoField) {
					t.Errorf("ShardsOf = %v, %v; want ErrNoField", rs, err)
				}
			} else if err != nil || rs.Cluster != tc.shards.Cluster || !slices.Equal(rs.Shards, tc.shards.Shards) {
				t.Errorf("ShardsOf = %v, %v; want %v", rs, err, *tc.shards)
			}
			if got := addrStrings(t, n); !slices.Equal(got, tc.addrs) {
				t.Errorf("AddrInfo addrs = %q, want %q", got, tc.addrs)
			}
			if tc.peerID != "" {
				id, err := enr.PeerID(n)
				if err != nil || id.String() != tc.peerID {
					t.Errorf("PeerID = %s, %v; want %s", id, err, tc.peerID)
				}
			}
			// The RLP form round-trips, as peer exchange carries it.
			raw, err := enr.Encode(n)
			if err != nil {
				t.Fatal(err)
			}
			back, err := enr.Decode(raw)
			if err != nil || back.String() != text {
				t.Errorf("Decode(Encode) = %v, %v; want %s", back, err, text)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	v := vectors(t)["jswaku-tcp"]
	for name, s := range map[string]string{
		"enode url":     "enode://a979fb575495b8d6db44f750317d0f4622bf4c2aa3365d6af7c284339968eef29b69ad0dce72a4d8db5ebb4968de0e3bec910127f134779fbcb0cb6d3331163c@52.16.188.185:30303",
		"no prefix":     strings.TrimPrefix(v, "enr:"),
		"bad signature": v[:20] + "A" + v[21:],
		"not base64":    "enr:!!!",
		"empty":         "enr:",
	} {
		if n, err := enr.Parse(s); err == nil {
			t.Errorf("Parse(%s) = %v, want an error", name, n)
		}
	}
}
