package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
)

// Where and how 'cairn install --systemd' installs the node as a service.
const (
	// systemdUnitPath is the unit file, relative to --root.
	systemdUnitPath = "/etc/systemd/system/cairn.service"
	// serviceDataDir is the node's data directory under systemd: the
	// unit's StateDirectory.
	serviceDataDir = "/var/lib/cairn"
)

// systemdUnit is the service unit for the cairn binary at exe. The
// sandbox is as tight as the node allows: no MemoryDenyWriteExecute
// (wazero compiles WebAssembly to native code at run time) and
// AF_NETLINK kept (libp2p reads the routing table).
func systemdUnit(exe string) string {
	if strings.ContainsAny(exe, " \t\"\\") {
		exe = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(exe) + `"`
	}
	return `# Written by 'cairn install --systemd'. Edit with 'systemctl edit cairn'
# (a drop-in survives reinstalls); settings can also go in
# ` + serviceDataDir + `/cairn.toml through --config.
[Unit]
Description=Cairn, a home node for the Logos stack
Documentation=https://github.com/cairn-node/cairn
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart=` + exe + ` run --data-dir ` + serviceDataDir + `
Restart=on-failure
RestartSec=5s
TimeoutStopSec=30s
# A user of its own, created when the service starts; ` + serviceDataDir + `
# is kept for it across restarts and upgrades.
DynamicUser=yes
StateDirectory=cairn
StateDirectoryMode=0700
UMask=0077
LimitNOFILE=65536
# Sandbox.
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectClock=yes
ProtectHostname=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`
}

// unreachableUnderSandbox are directories the unit's sandbox hides from
// the service (ProtectHome, PrivateTmp): a binary there cannot start.
var unreachableUnderSandbox = []string{"/home/", "/root/", "/run/user/", "/tmp/", "/var/tmp/"}

func newInstallCmd(env *Env) *cobra.Command {
	var (
		systemd, printOnly, force bool
		root                      string
	)
	cmd := &cobra.Command{
		Use:   "install --systemd [--root DIR] [--print] [--force]",
		Short: "Install cairn as a systemd service on this host",
		Long: `Install --systemd writes a hardened systemd unit, ` + systemdUnitPath + `,
that runs this binary (by its absolute path) as 'cairn run --data-dir
` + serviceDataDir + `' under a dynamic user, restarted on failure. It then
says what to run to start it; it starts nothing itself.

An existing unit that differs from the one this cairn would write is kept
unless --force is given; --print writes the unit to stdout instead of the
file (to compare, or to package it); --root DIR writes it under DIR (an
image or package tree).`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !systemd {
				return usageError{errors.New("install needs --systemd (the only way to install so far)")}
			}
			exe, err := os.Executable()
			if err == nil {
				exe, err = filepath.EvalSymlinks(exe)
			}
			if err != nil {
				return fmt.Errorf("install: find this binary's path: %w; run cairn by its full path", err)
			}
			unit := systemdUnit(exe)
			if printOnly {
				_, err := fmt.Fprint(env.Stdout, unit)
				return err
			}
			for _, dir := range unreachableUnderSandbox {
				if strings.HasPrefix(exe, dir) {
					fmt.Fprintf(env.Stderr, "cairn: warning: %s is under %s, which the service's sandbox hides; copy it to /usr/local/bin/cairn and run that binary's 'install --systemd'\n", exe, dir)
				}
			}
			path := filepath.Join(root, filepath.FromSlash(systemdUnitPath))
			changed, err := writeUnit(path, []byte(unit), force)
			if err != nil {
				return err
			}
			if changed {
				fmt.Fprintf(env.Stdout, "wrote %s (ExecStart=%s run --data-dir %s)\n", path, exe, serviceDataDir)
			} else {
				fmt.Fprintf(env.Stdout, "%s is up to date\n", path)
			}
			if root != "" {
				fmt.Fprintf(env.Stdout, "On the system that boots %s, run:\n", root)
			} else {
				fmt.Fprintln(env.Stdout, "Next, as root:")
			}
			fmt.Fprintf(env.Stdout, "  systemctl daemon-reload\n  systemctl enable --now cairn.service\n  journalctl -u cairn -f    # its log\n")
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&systemd, "systemd", false, "install as a systemd service")
	f.StringVar(&root, "root", "", "write the unit under `DIR` instead of /")
	f.BoolVar(&printOnly, "print", false, "write the unit to stdout, touch no file")
	f.BoolVar(&force, "force", false, "replace an existing unit that differs")
	return cmd
}

// writeUnit writes unit to path through a temporary file, creating the
// directories. It reports false, and writes nothing, when path already
// holds unit; a path holding something else is an error unless force.
func writeUnit(path string, unit []byte, force bool) (bool, error) {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, unit):
		return false, nil
	case err == nil && !force:
		return false, fmt.Errorf("install: %s exists and differs from the unit this cairn writes; compare with 'cairn install --systemd --print', then rerun with --force to replace it", path)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, fmt.Errorf("install: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, fmt.Errorf("install: %w; run as root, or pass --root DIR", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, unit, 0o644); err != nil {
		return false, fmt.Errorf("install: %w; run as root, or pass --root DIR", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("install: %w", err)
	}
	return true, nil
}
