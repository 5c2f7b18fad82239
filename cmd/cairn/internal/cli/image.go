package cli

import (
	"crypto/ed25519"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/cmd/cairn/internal/progress"
	"github.com/cairn-node/cairn/image"
	"github.com/cairn-node/cairn/image/qemu"
)

func newImageCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Build bootable Cairn images",
	}
	cmd.AddCommand(newImageBuildCmd(env), newImageRunCmd(env))
	return cmd
}

func newImageRunCmd(env *Env) *cobra.Command {
	var (
		boardName string
		port      int
	)
	cmd := &cobra.Command{
		Use:   "run --board BOARD IMAGE",
		Short: "Boot an image under qemu, with its API on 127.0.0.1",
		Long: `Run boots IMAGE (from 'cairn image build') under qemu as the boot tests do:
TCG, UEFI firmware, the serial console on this terminal and the node's API
forwarded to http://127.0.0.1:PORT. qemu writes to IMAGE: the data
partition persists between runs. Ctrl-A C switches to the qemu monitor
("system_powerdown" presses the power button), Ctrl-A X quits at once.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("image run takes one image file, got %d arguments", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := board.Lookup(boardName)
			if err != nil {
				return usageError{err}
			}
			dir, err := os.MkdirTemp("", "cairn-qemu-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			vars := filepath.Join(dir, "vars.fd")
			if err := qemu.CopyVars(b, vars); err != nil {
				return err
			}
			qargs, err := qemu.Args(b, qemu.Options{Disk: args[0], Vars: vars, HostPort: port, InteractiveConsole: true})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "cairn: booting %s; the API will answer on http://127.0.0.1:%d (Ctrl-A X quits)\n", args[0], port)
			q := exec.Command(qargs[0], qargs[1:]...)
			q.Stdin, q.Stdout, q.Stderr = env.Stdin, env.Stdout, env.Stderr
			if err := q.Run(); err != nil {
				return fmt.Errorf("qemu: %w; is %s installed (apt-get install %s)?", err, qargs[0], strings.Join(b.QEMU.Packages, " "))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&boardName, "board", board.QEMUx86_64.Name, "`board` the image was built for")
	f.IntVar(&port, "port", 18080, "host `port` on 127.0.0.1 forwarded to the node's API")
	return cmd
}

func newImageBuildCmd(env *Env) *cobra.Command {
	var (
		boardName, output, cacheDir, binary string
		updateKey, release                  string
		cmdline                             []string
	)
	cmd := &cobra.Command{
		Use:   "build --board BOARD -o FILE",
		Short: "Build a flashable disk image for a board",
		Long: `Build writes a GPT disk image for a board: an EFI system partition with
systemd-boot, the board's Debian kernel and an initramfs whose /init is
cairn, and an empty ext4 data partition labelled cairn-data. It needs no
root: packages come from this host's apt (downloaded, checked against the
archive index and cached), and cairn is cross-compiled from the source tree
unless --binary names a static build. A manifest with the SHA-256 of every
input is written to FILE.manifest.json.

Boards: ` + strings.Join(board.Names(), ", ") + `.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if boardName == "" || output == "" {
				return usageError{fmt.Errorf("image build needs --board and -o; boards: %s", strings.Join(board.Names(), ", "))}
			}
			b, err := board.Lookup(boardName)
			if err != nil {
				return usageError{err}
			}
			var key ed25519.PrivateKey
			if updateKey != "" {
				pem, err := os.ReadFile(updateKey)
				if err != nil {
					return fmt.Errorf("image build: %w; make a key with 'cairn update keygen -o FILE'", err)
				}
				if key, err = update.ParsePrivateKey(pem); err != nil {
					return err
				}
			}
			start := time.Now()
			steps := newStepPrinter(env.Stderr)
			defer steps.stop()
			m, err := image.Build(cmd.Context(), image.Options{
				Board: b, Output: output, CacheDir: cacheDir, Binary: binary, Cmdline: cmdline,
				Log: steps, Step: steps.step, UpdateKey: key, Release: release,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: %s image for %s (kernel %s, initramfs %s) in %.1f s\n", output,
				progress.Bytes(uint64(m.Image.Size)), b.Name, m.KernelVersion, progress.Bytes(uint64(m.Initramfs.Size)),
				time.Since(start).Seconds())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&boardName, "board", "", "target `board` ("+strings.Join(board.Names(), ", ")+")")
	f.StringVarP(&output, "output", "o", "", "image `file` to write")
	f.StringVar(&cacheDir, "cache-dir", "", "package cache `dir` (default ${XDG_CACHE_HOME:-~/.cache}/cairn)")
	f.StringVar(&binary, "binary", "", "static cairn `binary` for the board (default: cross-compile from the source tree)")
	f.StringVar(&updateKey, "update-key", "", "private key `file` ('cairn update keygen'): the image accepts updates signed with it, and FILE.cairnup is written too")
	f.StringVar(&release, "release", "", "release `name` of the build (default: dev- and the initramfs hash)")
	f.StringArrayVar(&cmdline, "cmdline", nil, "extra kernel command line `word`, repeatable (cairn.ip=ADDR/PREFIX, cairn.gw=ADDR, cairn.dns=ADDR, cairn.hostname=NAME)")
	return cmd
}

// stepPrinter shows the build's progress: a line per step, the step's
// duration when it ends, and a heartbeat every stepHeartbeat while a long
// step (the first cross-compile, a kernel download) runs.
type stepPrinter struct {
	w    io.Writer
	quit chan struct{}
	mu   struct {
		sync.Mutex
		name  string
		start time.Time
	}
}

// stepHeartbeat is how often a running step reports that it still runs.
const stepHeartbeat = 10 * time.Second

func newStepPrinter(w io.Writer) *stepPrinter {
	p := &stepPrinter{w: w, quit: make(chan struct{})}
	go func() {
		t := time.NewTicker(stepHeartbeat)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				p.mu.Lock()
				if p.mu.name != "" && time.Since(p.mu.start) >= stepHeartbeat {
					fmt.Fprintf(p.w, "      %s: still running, %.0f s\n", p.mu.name, time.Since(p.mu.start).Seconds())
				}
				p.mu.Unlock()
			}
		}
	}()
	return p
}

// step is image.Options.Step.
func (p *stepPrinter) step(n, total int, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mu.name != "" {
		fmt.Fprintf(p.w, "      %s: %.1f s\n", p.mu.name, time.Since(p.mu.start).Seconds())
	}
	p.mu.name, p.mu.start = "", time.Now()
	if n <= total {
		p.mu.name = name
		fmt.Fprintf(p.w, "[%d/%d] %s\n", n, total, name)
	}
}

// Write passes the build log through, serialised with the step lines.
func (p *stepPrinter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.Write(b)
}

func (p *stepPrinter) stop() { close(p.quit) }
