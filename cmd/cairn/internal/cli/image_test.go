package cli_test

import (
	"strings"
	"testing"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
)

func TestImageBuildUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"image", "build", "-o", "x.img"}, "needs --board and -o; boards: qemu-arm64, qemu-x86_64"},
		{[]string{"image", "build", "--board", "rpi9", "-o", "x.img"}, `unknown board "rpi9"`},
		{[]string{"image", "run"}, "image run takes one image file, got 0 arguments"},
		{[]string{"image", "run", "--board", "rpi9", "x.img"}, `unknown board "rpi9"`},
	} {
		code, _, stderr := cairn(t, nil, tc.args...)
		if code != cli.ExitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("cairn %s = %d, %q; want %d and %q", strings.Join(tc.args, " "), code, stderr, cli.ExitUsage, tc.want)
		}
	}
}

func TestApplianceRefusesOnHost(t *testing.T) {
	code, _, stderr := cairn(t, nil, "appliance")
	if code != cli.ExitError || !strings.Contains(stderr, "not PID 1") {
		t.Errorf("cairn appliance = %d, %q; want %d and a not-PID-1 error", code, stderr, cli.ExitError)
	}
}
