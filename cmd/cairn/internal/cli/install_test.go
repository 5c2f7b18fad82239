package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
)

// thisExe is the path install writes into ExecStart: the test binary.
func thisExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		t.Skip(err)
	}
	return exe
}

func TestInstallSystemd(t *testing.T) {
	root := t.TempDir()
	code, stdout, stderr := cairn(t, nil, "install", "--systemd", "--root", root)
	if code != cli.ExitOK {
		t.Fatalf("cairn install --systemd --root = %d, %q", code, stderr)
	}
	unitPath := filepath.Join(root, "etc/systemd/system/cairn.service")
	unit, err := os.ReadFile(unitPath)
	if err != nil {
		t.Fatalf("no unit written: %v", err)
	}
	for _, line := range []string{
		"ExecStart=" + thisExe(t) + " run --data-dir /var/lib/cairn",
		"DynamicUser=yes", "StateDirectory=cairn", "Restart=on-failure", "NoNewPrivileges=yes",
		"ProtectSystem=strict", "ProtectHome=yes", "WantedBy=multi-user.target",
	} {
		if !strings.Contains(string(unit), "\n"+line+"\n") {
			t.Errorf("unit has no line %q:\n%s", line, unit)
		}
	}
	for _, want := range []string{"wrote " + unitPath, "systemctl daemon-reload", "systemctl enable --now cairn.service"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout = %q, want it to mention %q", stdout, want)
		}
	}

	// Again: nothing to do.
	if code, stdout, _ := cairn(t, nil, "install", "--systemd", "--root", root); code != cli.ExitOK || !strings.Contains(stdout, "up to date") {
		t.Errorf("second install = %d, %q, want success and 'up to date'", code, stdout)
	}
	// A unit edited by hand is kept without --force, replaced with it.
	edited := append(unit, "# local change\n"...)
	if err := os.WriteFile(unitPath, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := cairn(t, nil, "install", "--systemd", "--root", root); code != cli.ExitError || !strings.Contains(stderr, "--force") {
		t.Errorf("install over an edited unit = %d, %q, want an error naming --force", code, stderr)
	}
	if got, _ := os.ReadFile(unitPath); string(got) != string(edited) {
		t.Error("install without --force changed the edited unit")
	}
	if code, _, stderr := cairn(t, nil, "install", "--systemd", "--root", root, "--force"); code != cli.ExitOK {
		t.Errorf("install --force = %d, %q", code, stderr)
	}
	if got, _ := os.ReadFile(unitPath); string(got) != string(unit) {
		t.Error("install --force did not restore the unit")
	}
}

func TestInstallPrint(t *testing.T) {
	code, stdout, stderr := cairn(t, nil, "install", "--systemd", "--print")
	if code != cli.ExitOK || !strings.HasPrefix(stdout, "# Written by 'cairn install --systemd'") || !strings.Contains(stdout, "\n[Service]\n") {
		t.Errorf("install --print = %d, %q, %q; want the unit on stdout", code, stdout, stderr)
	}
}

func TestInstallUsage(t *testing.T) {
	if code, _, stderr := cairn(t, nil, "install"); code != cli.ExitUsage || !strings.Contains(stderr, "--systemd") {
		t.Errorf("cairn install = %d, %q, want a usage error naming --systemd", code, stderr)
	}
}

// TestInstallUnitVerifies checks the unit with systemd's own parser,
// where systemd-analyze is installed.
func TestInstallUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd)")
	}
	dir := t.TempDir()
	_, unit, _ := cairn(t, nil, "install", "--systemd", "--print")
	path := filepath.Join(dir, "cairn.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", "--man=no", path).CombinedOutput()
	// Without a running systemd (a container, CI) verify still parses the
	// unit but also reports the missing manager; only lines about our
	// file count.
	var problems []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "cairn.service") {
			problems = append(problems, line)
		}
	}
	if len(problems) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, strings.Join(problems, "\n"))
	}
	t.Logf("systemd-analyze verify: %v\n%s", err, out)
}
