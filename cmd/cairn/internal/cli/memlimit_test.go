package cli

import (
	"log/slog"
	"math"
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1)) // restore
	log := slog.New(slog.DiscardHandler)
	env := map[string]string{}
	if got := setMemoryLimit(func(k string) string { return env[k] }, 4<<30, log); got != 3<<30 {
		t.Errorf("limit for 4 GiB = %d, want 3 GiB", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Errorf("runtime limit = %d, want 3 GiB", got)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	env["GOMEMLIMIT"] = "1GiB"
	if got := setMemoryLimit(func(k string) string { return env[k] }, 4<<30, log); got != 0 {
		t.Errorf("limit with $GOMEMLIMIT set = %d, want none", got)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("runtime limit with $GOMEMLIMIT set changed to %d", got)
	}
	delete(env, "GOMEMLIMIT")
	if got := setMemoryLimit(func(k string) string { return env[k] }, 0, log); got != 0 {
		t.Errorf("limit with MemTotal unknown = %d, want none", got)
	}
}
