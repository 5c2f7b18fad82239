package appliance_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/cairn-node/cairn/appliance"
)

func TestNodeArgs(t *testing.T) {
	var o appliance.Options
	got := o.NodeArgs("/data/cairn", "")
	want := []string{"run", "--data-dir", "/data/cairn", "--api-addr", "0.0.0.0:8080"}
	if !slices.Equal(got, want) {
		t.Errorf("NodeArgs() = %q, want %q", got, want)
	}
	got = appliance.Options{APIAddr: "127.0.0.1:9"}.NodeArgs("/d", "/data/cairn.toml")
	want = []string{"run", "--data-dir", "/d", "--api-addr", "127.0.0.1:9", "--config", "/data/cairn.toml"}
	if !slices.Equal(got, want) {
		t.Errorf("NodeArgs() = %q, want %q", got, want)
	}
}

func TestRunRefusesOutsidePID1(t *testing.T) {
	if os.Getpid() == 1 {
		t.Skip("running as PID 1")
	}
	if err := appliance.Run(context.Background(), appliance.Options{}); !errors.Is(err, appliance.ErrNotPID1) {
		t.Errorf("Run() = %v, want ErrNotPID1", err)
	}
}
