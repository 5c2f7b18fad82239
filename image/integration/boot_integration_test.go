package integration

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image"
	"github.com/cairn-node/cairn/image/qemu"
)

// Deadlines, wall clock, on a loaded 2-core machine under TCG.
const (
	healthyWithin  = 180 * time.Second
	shutdownWithin = 60 * time.Second
	qemuLimit      = 10 * time.Minute // the timeout(1) wrapper's bound on each qemu run
	// earlyStall is how long the guest kernel may print nothing before
	// it starts init; a boot normally reaches init in under 5 s.
	earlyStall = 60 * time.Second
)

// initStarted is the kernel's console line when it hands over to init.
const initStarted = "Run /init as init process"

func TestBoot(t *testing.T) {
	if os.Getenv("CAIRN_BOOT_TEST") != "1" {
		t.Skip("boot test skipped: set CAIRN_BOOT_TEST=1 to build an image and boot it in qemu (about a minute per board)")
	}
	for _, name := range board.Names() {
		b, _ := board.Lookup(name)
		if b.QEMU == nil {
			continue
		}
		t.Run(name, func(t *testing.T) { testBoot(t, b) })
	}
}

// testBoot builds b's image, boots it, stores a file, reboots the same disk
// and reads the file back.
func testBoot(t *testing.T, b board.Board) {
	requireTools(t, b)
	dir := t.TempDir()
	img := filepath.Join(dir, "cairn-"+b.Name+".img")
	ctx := context.Background()
	start := time.Now()
	// The guest reaches the host's 127.0.0.1 as 10.0.2.2 (qemu user net).
	ntpPort := sntpServer(t, time.Hour)
	m, err := image.Build(ctx, image.Options{Board: b, Output: img, Log: testWriter{t},
		Cmdline: []string{fmt.Sprintf("cairn.ntp=10.0.2.2:%d", ntpPort)}})
	if err != nil {
		t.Fatalf("image.Build(%s) = %v", b.Name, err)
	}
	t.Logf("built %s in %.1f s: image %d MiB, initramfs %.1f MiB, kernel %s", b.Name, time.Since(start).Seconds(),
		m.Image.Size>>20, float64(m.Initramfs.Size)/(1<<20), m.KernelVersion)
	if m.Image.Size > 256e6 {
		t.Errorf("image is %d bytes, want at most 256 MB", m.Image.Size)
	}
	if m.Initramfs.Size > 40e6 {
		t.Errorf("initramfs is %d bytes, want at most 40 MB", m.Initramfs.Size)
	}
	// Flashed onto a 1 GiB medium: the first boot grows the data partition.
	if err := os.Truncate(img, 1<<30); err != nil {
		t.Fatal(err)
	}
	vars := filepath.Join(dir, "vars.fd")
	if err := qemu.CopyVars(b, vars); err != nil {
		t.Fatal(err)
	}

	payload := []byte(fmt.Sprintf("written through the Cairn storage API at %s\n", time.Now().Format(time.RFC3339Nano)))
	var cid string
	vm := boot(t, b, img, vars, "boot1")
	t.Logf("%s boot 1: power-on to healthy %.1f s", b.Name, vm.healthyAfter.Seconds())
	if log := vm.console.String(); !strings.Contains(log, `msg="data partition grown"`) || strings.Contains(log, "data partition not grown") {
		vm.fail(t, "boot 1 on a 1 GiB disk did not grow the data partition")
	}
	if !strings.Contains(vm.console.String(), `msg="clock synchronised"`) {
		vm.fail(t, "the appliance did not set its clock from the test's SNTP server")
	}
	if b.QEMU.Watchdog != "" && !strings.Contains(vm.console.String(), `msg="watchdog armed"`) {
		vm.fail(t, "the appliance did not arm the %s watchdog", b.QEMU.Watchdog)
	}
	resp, err := http.Post(vm.url+"/api/storage/v1/data", "application/octet-stream", bytes.NewReader(payload))
	if err != nil {
		vm.fail(t, "upload: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		vm.fail(t, "POST /api/storage/v1/data = %s %q, want 200", resp.Status, body)
	}
	cid = strings.TrimSpace(string(body))
	vm.shutdown(t, "system_powerdown") // the power button: power off

	vm = boot(t, b, img, vars, "boot2")
	t.Logf("%s boot 2: power-on to healthy %.1f s", b.Name, vm.healthyAfter.Seconds())
	if strings.Contains(vm.console.String(), "data partition grown") {
		vm.fail(t, "boot 2 grew the data partition again")
	}
	resp, err = http.Get(vm.url + "/api/storage/v1/data/" + cid)
	if err != nil {
		vm.fail(t, "download: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(got, payload) {
		vm.fail(t, "GET /api/storage/v1/data/%s after a reboot = %s %q, want 200 %q", cid, resp.Status, got, payload)
	}
	if b.QEMU.Machine == "q35" {
		vm.shutdown(t, "sendkey ctrl-alt-delete") // SIGINT to PID 1: reboot (-no-reboot exits)
	} else {
		vm.shutdown(t, "system_powerdown") // virt has no keyboard
	}
}

// requireTools skips when the host cannot build or boot b.
func requireTools(t *testing.T, b board.Board) {
	t.Helper()
	for _, tool := range []string{b.QEMU.Binary, "timeout", "apt-get", "apt-cache", "dpkg-deb", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found; install it (apt-get install %s)", tool, strings.Join(b.QEMU.Packages, " "))
		}
	}
	for _, fw := range []string{b.QEMU.FirmwareCode, b.QEMU.FirmwareVars} {
		if _, err := os.Stat(fw); err != nil {
			t.Skipf("UEFI firmware %s missing; apt-get install %s", fw, strings.Join(b.QEMU.Packages, " "))
		}
	}
	if b.DebArch != hostDebArch(t) {
		out, _ := exec.Command("dpkg", "--print-foreign-architectures").Output()
		if !strings.Contains(string(out), b.DebArch) {
			t.Skipf("apt cannot fetch %s packages; run 'dpkg --add-architecture %s && apt-get update'", b.DebArch, b.DebArch)
		}
	}
}

func hostDebArch(t *testing.T) string {
	out, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Skipf("dpkg not found: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// vm is one qemu run.
type vm struct {
	cmd          *exec.Cmd
	done         chan error
	exited       chan struct{} // closed when qemu (its timeout wrapper) has exited
	console      *syncBuffer
	monitor      string
	url          string
	start        time.Time // when qemu started
	logName      string    // the console's file name in the temporary directory
	healthyAfter time.Duration
}

// boot starts qemu on img and waits until the node's /healthz answers.
func boot(t *testing.T, b board.Board, img, vars, name string) *vm {
	t.Helper()
	return bootWith(t, b, qemu.Options{Disk: img, Vars: vars}, name)
}

// bootWith is boot with more qemu options; HostPort and Monitor are
// chosen here. A guest kernel that goes silent for earlyStall before it
// starts init is an emulator stall, not Cairn's code: it is powered off and
// booted once more, and the test says so.
func bootWith(t *testing.T, b board.Board, o qemu.Options, name string) *vm {
	t.Helper()
	v := startQEMU(t, b, o, name)
	healthy, stalled := v.waitHealthy(t, v.start)
	if stalled {
		t.Logf("%s %s: the guest kernel printed nothing for %s before starting init (an emulator stall); booting again", b.Name, name, earlyStall)
		v.stop()
		v.logName = strings.TrimSuffix(v.logName, ".log") + "-stalled.log"
		v = startQEMU(t, b, o, name)
		if healthy, stalled = v.waitHealthy(t, v.start); stalled {
			v.fail(t, "the guest kernel stalled before starting init twice in a row (no console output for %s)", earlyStall)
		}
	}
	v.healthyAfter = healthy
	return v
}

// startQEMU starts qemu with o; its console is saved in the temporary
// directory as v.logName when the test ends.
func startQEMU(t *testing.T, b board.Board, o qemu.Options, name string) *vm {
	t.Helper()
	port := freePort(t)
	monitor := filepath.Join(t.TempDir(), "monitor.sock")
	o.HostPort, o.Monitor = port, monitor
	args, err := qemu.Args(b, o)
	if err != nil {
		t.Fatal(err)
	}
	args = append([]string{"--signal=KILL", fmt.Sprint(int(qemuLimit.Seconds()))}, args...)
	v := &vm{logName: "cairn-boot-" + b.Name + "-" + name + ".log", console: &syncBuffer{}, monitor: monitor, url: fmt.Sprintf("http://127.0.0.1:%d", port), done: make(chan error, 1), exited: make(chan struct{})}
	v.cmd = exec.Command("timeout", args...)
	v.cmd.Stdout, v.cmd.Stderr = v.console, v.console
	v.start = time.Now()
	if err := v.cmd.Start(); err != nil {
		t.Fatalf("start qemu: %v", err)
	}
	go func() {
		v.done <- v.cmd.Wait()
		close(v.exited)
	}()
	t.Cleanup(func() {
		v.stop()
		os.WriteFile(filepath.Join(os.TempDir(), v.logName), v.console.Bytes(), 0o644)
	})
	return v
}

// stop ends qemu with SIGTERM, which timeout(1) passes on to qemu (a
// SIGKILL would end only timeout and leave qemu running), and waits for it.
func (v *vm) stop() {
	v.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-v.exited:
	case <-time.After(5 * time.Second):
		v.cmd.Process.Kill()
	}
}

// waitHealthy waits until the node's /healthz answers 200, at most
// healthyWithin after since, and returns the time since since. It returns
// stalled instead when the console stays silent for earlyStall before the
// kernel starts init.
func (v *vm) waitHealthy(t *testing.T, since time.Time) (healthy time.Duration, stalled bool) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := since.Add(healthyWithin)
	printed, lastOutput := 0, time.Now()
	for time.Now().Before(deadline) {
		v.checkRunning(t, "the node was healthy")
		if resp, err := client.Get(v.url + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(since), false
			}
		}
		if console := v.console.String(); len(console) != printed {
			printed, lastOutput = len(console), time.Now()
		} else if time.Since(lastOutput) > earlyStall && !strings.Contains(console, initStarted) {
			return 0, true
		}
		time.Sleep(200 * time.Millisecond)
	}
	v.fail(t, "GET /healthz did not answer 200 within %s", healthyWithin)
	return 0, false
}

// waitConsole waits up to within until the console shows a line matching
// re; it fails with the message format, args otherwise.
func (v *vm) waitConsole(t *testing.T, re *regexp.Regexp, within time.Duration, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !re.MatchString(v.console.String()) {
		if time.Now().After(deadline) {
			v.fail(t, format+" within %s (no console line matching %q)", append(args, within, re)...)
		}
		v.checkRunning(t, "the console showed "+re.String())
		time.Sleep(200 * time.Millisecond)
	}
}

// checkRunning fails when qemu has exited before what it waits for.
func (v *vm) checkRunning(t *testing.T, waitingFor string) {
	t.Helper()
	select {
	case err := <-v.done:
		v.fail(t, "qemu exited before %s: %v", waitingFor, err)
	default:
	}
}

// shutdown sends a qemu monitor command that asks the appliance to go
// down: "system_powerdown" presses the power button (the appliance powers
// off), "sendkey ctrl-alt-delete" makes the kernel send SIGINT to PID 1
// (it reboots; -no-reboot turns that into qemu's exit). The appliance must
// stop the node and unmount /data first.
func (v *vm) shutdown(t *testing.T, monitorCmd string) {
	t.Helper()
	c, err := net.Dial("unix", v.monitor)
	if err != nil {
		v.fail(t, "qemu monitor: %v", err)
	}
	fmt.Fprintf(c, "%s\n", monitorCmd)
	defer c.Close()
	select {
	case <-v.done:
	case <-time.After(shutdownWithin):
		v.fail(t, "qemu still runs %s after %q", shutdownWithin, monitorCmd)
	}
	if log := v.console.String(); !strings.Contains(log, "unmounted /data") {
		v.fail(t, "the appliance did not report unmounting /data before it rebooted")
	}
}

// fail stops the test with the end of the console log.
func (v *vm) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	log := v.console.String()
	if len(log) > 6000 {
		log = log[len(log)-6000:]
	}
	t.Fatalf(format+"\n--- console (end) ---\n%s", append(args, log)...)
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// syncBuffer collects qemu's console output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { return string(s.Bytes()) }

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// testWriter sends build log lines to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// sntpServer answers SNTP requests on 127.0.0.1 with a clock skew ahead of
// the host's, until the test ends, and returns its port.
func sntpServer(t *testing.T, skew time.Duration) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	go func() {
		req := make([]byte, 512)
		for {
			n, addr, err := c.ReadFrom(req)
			if err != nil {
				return
			}
			if n < 48 {
				continue
			}
			reply := make([]byte, 48)
			reply[0], reply[1] = 4<<3|4, 2 // version 4, server mode, stratum 2
			copy(reply[24:32], req[40:48]) // originate = the client's transmit time
			ts := ntpTimestamp(time.Now().Add(skew))
			copy(reply[32:40], ts)
			copy(reply[40:48], ts)
			c.WriteTo(reply, addr)
		}
	}()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// ntpTimestamp encodes t as an NTP timestamp (seconds since 1900, 32.32).
func ntpTimestamp(t time.Time) []byte {
	d := t.Sub(time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC))
	v := uint64(d/time.Second)<<32 | uint64(d%time.Second)<<32/uint64(time.Second)
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}
