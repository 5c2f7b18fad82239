//go:build icicle && cgo

package icicle

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/accel/internal/icicle/binding"
)

var state struct {
	once sync.Once
	dev  DeviceID
	rt   binding.Device
	err  error
}

// Init loads icicle's device backends and selects the device, once per
// process; later calls return the first result. It returns nil when a device
// is usable, else an error wrapping accel.ErrUnavailable that says what to do.
//
// Selection: CAIRN_ICICLE_DEVICE when set ("CPU" or "CUDA"); otherwise CUDA
// device 0 when the CUDA backend is registered and a GPU is present; otherwise
// the CPU device. The choice is made icicle's process-wide default device, so
// calls from any goroutine (any OS thread) use it when they go through Do.
//
// concurrency: safe to call from many goroutines.
func Init() error {
	state.once.Do(setup)
	return state.err
}

// Device returns the selected device, or the error of Init.
func Device() (DeviceID, error) {
	state.once.Do(setup)
	return state.dev, state.err
}

// Runtime returns the selected device as icicle's runtime.Device, for
// wrappers that take one (runtime.RunOnDevice, runtime.SetDevice).
func Runtime() (binding.Device, error) {
	state.once.Do(setup)
	return state.rt, state.err
}

// DeviceName returns the selected device as "TYPE:ID" ("CPU:0", "CUDA:0"),
// or "" when Init failed.
func DeviceName() string {
	state.once.Do(setup)
	if state.err != nil {
		return ""
	}
	return state.dev.String()
}

// Do runs f, which calls icicle, on the selected device (see binding.Do).
// Every kernel call goes through it.
func Do(f func()) { binding.Do(f) }

// Flavour names the icicle wrappers this binary links (binding.Flavour).
const Flavour = binding.Flavour

// Error converts an icicle status into an error naming the operation; nil for
// Success.
func Error(op string, code binding.Status) error {
	if code == binding.Success {
		return nil
	}
	return fmt.Errorf("icicle: %s: %s", op, code.AsString())
}

func setup() {
	ensureBackendDir()
	// The CPU device is compiled into libicicle_device; only extra backends
	// (CUDA) are loaded from a directory. BackendLoadFailed just means there
	// is none, which is normal on a machine without a GPU.
	if code := binding.LoadBackendFromEnvOrDefault(); code != binding.Success && code != binding.BackendLoadFailed {
		state.err = fmt.Errorf("icicle: load backends from $%s=%q: %s: %w (unset it or point it at an icicle backend install)",
			BackendDirEnv, os.Getenv(BackendDirEnv), code.AsString(), accel.ErrUnavailable)
		return
	}
	registered, code := binding.GetRegisteredDevices()
	if code != binding.Success {
		state.err = fmt.Errorf("icicle: list devices: %s: %w", code.AsString(), accel.ErrUnavailable)
		return
	}
	for i := range registered {
		registered[i] = strings.TrimSpace(registered[i])
	}

	want := strings.ToUpper(strings.TrimSpace(os.Getenv(DeviceEnv)))
	var candidates []string
	switch want {
	case "":
		candidates = []string{"CUDA", "CPU"}
	case "CPU", "CUDA":
		candidates = []string{want}
	default:
		state.err = fmt.Errorf("icicle: %s=%q: %w (want CPU or CUDA)", DeviceEnv, want, accel.ErrUnavailable)
		return
	}
	for _, typ := range candidates {
		if !slices.Contains(registered, typ) {
			continue
		}
		d := binding.CreateDevice(typ, 0)
		if typ != "CPU" && !binding.IsDeviceAvailable(&d) {
			continue
		}
		state.rt = d
		if code := binding.Select(&state.rt); code != binding.Success {
			state.err = fmt.Errorf("icicle: select %s:0 (%s): %s: %w", typ, Flavour, code.AsString(), accel.ErrUnavailable)
			return
		}
		state.dev = DeviceID{Type: typ, ID: 0}
		return
	}
	hint := "is the CUDA backend installed and a GPU present?"
	if want == "" || want == "CPU" {
		hint = "the icicle libraries lack the CPU backend: rebuild them with `make icicle`"
	}
	state.err = fmt.Errorf("icicle: no usable device among %v (registered: %v): %w; %s",
		candidates, registered, accel.ErrUnavailable, hint)
}

// ensureBackendDir points ICICLE_BACKEND_INSTALL_DIR at an existing
// directory when it is unset, so icicle's loader (and gnark's warm-up, which
// panics when the loader fails) finds a directory. Preference: icicle's
// default /opt/icicle/lib/backend, the backend directory of the cache that
// `make icicle` fills, then an empty directory.
func ensureBackendDir() {
	if os.Getenv(BackendDirEnv) != "" {
		return
	}
	dirs := []string{"/opt/icicle/lib/backend"}
	if cache, err := os.UserCacheDir(); err == nil {
		matches, _ := filepath.Glob(filepath.Join(cache, "cairn", "icicle", "*", "lib", "backend"))
		dirs = append(dirs, matches...)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			os.Setenv(BackendDirEnv, d)
			return
		}
	}
	empty := filepath.Join(os.TempDir(), "cairn-icicle-no-backend")
	if err := os.MkdirAll(empty, 0o755); err == nil {
		os.Setenv(BackendDirEnv, empty)
	}
}
