package blockexc_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"

	"github.com/cairn-node/cairn/node/storage/blockexc"
	"github.com/cairn-node/cairn/node/storage/blockexc/wire"
)

// BenchmarkFetch measures node-to-node throughput over loopback TCP (Noise,
// Yamux) or QUIC: B fetches a 64 MiB dataset of 64 KiB blocks from A into a fresh
// pebble store, every block checked against its CID and proof, and
// commits it. MB/s counts dataset bytes. Both nodes run in this process,
// so the cpu-ms/op metric is the CPU time of the whole transfer (serving,
// Noise, Yamux, hashing on both sides, the store) and MB/cpu-s the
// throughput per core, which holds when other processes share the CPU.
func BenchmarkFetch(b *testing.B) {
	const size = 64 << 20
	a := newNode(b, nodeOpts{listen: []string{"/ip4/127.0.0.1/tcp/0", "/ip4/127.0.0.1/udp/0/quic-v1"}})
	data := randomBytes(size, 42)
	m, _ := upload(b, a, data, 0)
	for _, bc := range []struct {
		name string
		opts []blockexc.Option
		quic bool
	}{
		{"default", nil, false}, // TCP, 1 MiB batches, 4 streams
		{"upstream-batch", []blockexc.Option{blockexc.WithBatchBytes(wire.TargetBatchBytes)}, false},
		{"streams=1", []blockexc.Option{blockexc.WithStreams(1)}, false},
		{"streams=8", []blockexc.Option{blockexc.WithStreams(8)}, false},
		{"quic", nil, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(size)
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				dir, err := os.MkdirTemp("", "blockexc-bench")
				if err != nil {
					b.Fatal(err)
				}
				n := newNode(b, nodeOpts{dir: dir, x: bc.opts})
				ai := a.h.AddrInfo()
				if bc.quic {
					ai = onlyQUIC(ai)
				}
				if err := n.h.Connect(context.Background(), ai); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				c0 := cpuTime()
				if err := n.x.Fetch(context.Background(), a.h.ID(), m); err != nil {
					b.Fatalf("Fetch() = %v", err)
				}
				cpu += cpuTime() - c0
				b.StopTimer()
				n.close()
				os.RemoveAll(dir)
				b.StartTimer()
			}
			if cpu > 0 {
				per := cpu.Seconds() / float64(b.N)
				b.ReportMetric(per*1e3, "cpu-ms/op")
				b.ReportMetric(size/1e6/per, "MB/cpu-s")
			}
		})
	}
}

// onlyQUIC keeps the QUIC addresses of ai.
func onlyQUIC(ai peer.AddrInfo) peer.AddrInfo {
	var out []multiaddr.Multiaddr
	for _, a := range ai.Addrs {
		if _, err := a.ValueForProtocol(multiaddr.P_QUIC_V1); err == nil {
			out = append(out, a)
		}
	}
	return peer.AddrInfo{ID: ai.ID, Addrs: out}
}
