// Package icicle loads and selects the icicle v3 device that Cairn's
// `icicle` kernels run on. It is shared by the accel/* packages, which call
// [Init] (or [Device]) before their first icicle call.
//
// The device is chosen once per process, behind a sync.Once: CUDA when
// icicle's CUDA backend is loaded and a GPU is present, else the CPU device,
// which is compiled into the icicle libraries. The CPU device is a
// correctness stand-in for CUDA and usually slower than Cairn's own Go and
// SIMD kernels.
//
// # Setup
//
// The package needs icicle's native libraries and cgo. Build them once
// (about 2 to 2.5 minutes on two cores; they are cached under
// ${XDG_CACHE_HOME:-$HOME/.cache}/cairn/icicle):
//
//	make icicle                                   # or: go run ./accel/internal/icicle/build
//	eval "$(go run ./accel/internal/icicle/build --print-env)"
//	go test -tags icicle ./accel/...
//
// For a GPU, install Ingonyama's CUDA backend and point
// ICICLE_BACKEND_INSTALL_DIR at it (default /opt/icicle/lib/backend).
// CAIRN_ICICLE_DEVICE=CPU forces the CPU device even where CUDA is present.
//
// # Usage
//
//	if err := icicle.Init(); err != nil {
//		return nil, err // wraps accel.ErrUnavailable in builds without the tag
//	}
//	log.Info("icicle device", "device", icicle.DeviceName())
//
// Without the `icicle` build tag, or without cgo, every function reports
// [accel.ErrUnavailable] and nothing panics.
package icicle
