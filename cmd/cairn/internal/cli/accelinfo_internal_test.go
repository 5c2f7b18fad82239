package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/api"
)

func TestPrintAccelInfo(t *testing.T) {
	ai := api.AccelInfo{
		Caps: accel.Caps{
			Arch: "amd64", CPUModel: "Test CPU", CPUVendor: "Intel", Features: []string{"AVX2", "GFNI"},
			LogicalCores: 8, PhysicalCores: 4, MemTotalBytes: 16 << 30,
			GPUs: []accel.GPU{{Vendor: "nvidia", Model: "NVIDIA H100"}},
		},
		Policy: accel.Policy{Kernels: map[accel.Kernel]accel.Backend{accel.KernelErasure: accel.SIMD}},
		Routes: []accel.Route{
			{Kernel: accel.KernelErasure, Backend: accel.Go, Available: true, MinSize: 0, Unit: "bytes"},
			{Kernel: accel.KernelErasure, Backend: accel.SIMD, Available: true, MinSize: 64 << 10, Unit: "bytes", Forced: true},
			{Kernel: accel.KernelErasure, Backend: accel.Icicle, MinSize: accel.Never, Unit: "bytes", Reason: "accel: backend unavailable: rebuild with -tags icicle"},
			{Kernel: accel.KernelPoseidon2, Backend: accel.Go, Available: true, MinSize: 1000, Unit: "hashes"},
		},
	}
	var b bytes.Buffer
	if err := printAccelInfo(&b, ai); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{
		"  CPU       Test CPU (Intel)\n",
		"  Cores     8 logical, 4 physical\n",
		"  Memory    16.0 GiB\n",
		"  Features  AVX2 GFNI\n",
		"  GPU 0     nvidia NVIDIA H100\n",
		"  Kernels  erasure=simd\n",
		"  KERNEL     BACKEND  AVAILABLE  AUTO FROM        FORCED  NOTE\n",
		"  erasure    simd     yes        64 KiB           yes\n",
		"  erasure    icicle   no         on request only          accel: backend unavailable: rebuild with -tags icicle\n",
		"  poseidon2  go       yes        1000 hashes\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("printAccelInfo output lacks %q; got:\n%s", want, got)
		}
	}
}

func TestThreshold(t *testing.T) {
	for _, tc := range []struct {
		n    int
		unit string
		want string
	}{
		{accel.Never, "bytes", "on request only"},
		{0, "bytes", "0 bytes"},
		{1000, "bytes", "1000 bytes"},
		{4096, "bytes", "4 KiB"},
		{3 << 20, "bytes", "3 MiB"},
		{1 << 30, "bytes", "1 GiB"},
		{1024, "leaves", "1024 leaves"},
		{8192, "bytes per shard", "8 KiB per shard"},
		{100, "bytes per shard", "100 bytes per shard"},
	} {
		if got := threshold(tc.n, tc.unit); got != tc.want {
			t.Errorf("threshold(%d, %q) = %q, want %q", tc.n, tc.unit, got, tc.want)
		}
	}
}
