package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/dashboard"
	"github.com/cairn-node/cairn/appliance/update"
	"github.com/cairn-node/cairn/board"
	"github.com/cairn-node/cairn/image/qemu"
)

// livePassword is the device password TestUpdateLive sets.
const livePassword = "update-live test password"

// TestUpdateLive runs the on-node update path for real: it boots an
// image that trusts an update key, sets the dashboard password, uploads
// a good bundle to the dashboard's update action (update.ApplyOnNode on
// the running appliance: the ESP mounted by the node), asks the
// dashboard to reboot, and checks that the node comes back healthy on a
// trial of slot b, commits it, and keeps the password; after a power-off
// the loader entries must show slot b committed.
func TestUpdateLive(t *testing.T) {
	if os.Getenv("CAIRN_BOOT_TEST") != "1" {
		t.Skip("boot test skipped: set CAIRN_BOOT_TEST=1 to build an image and update it through its dashboard in qemu (about a minute)")
	}
	b := board.QEMUx86_64
	requireTools(t, b)
	dir := t.TempDir()
	start := time.Now()
	key := updateKey(t)
	img := filepath.Join(dir, "cairn.img")
	m := buildUpdateImage(t, b, img, buildCairn(t, b, dir), key, updateCmdline(t))
	bundle, err := os.ReadFile(m.Update.Path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built the image and its update (%.1f MiB) in %.1f s", float64(len(bundle))/(1<<20), time.Since(start).Seconds())
	vars := filepath.Join(dir, "vars.fd")
	if err := qemu.CopyVars(b, vars); err != nil {
		t.Fatal(err)
	}

	vm := bootWith(t, b, qemu.Options{Disk: img, Vars: vars, AllowReboot: true}, "update-live")
	t.Logf("power-on to healthy on slot a %.1f s", vm.healthyAfter.Seconds())
	vm.waitConsole(t, bootedA, 5*time.Second, "the image did not report booting slot a")
	c := newDashboardClient(t, vm)
	c.want(http.StatusNoContent, "POST", "setup", map[string]string{"password": livePassword})
	if st := c.status(); !st.Actions.Update || !st.Actions.Reboot {
		vm.fail(t, "the dashboard offers update=%t reboot=%t, want both under the appliance (update: %q, reboot: %q)",
			st.Actions.Update, st.Actions.Reboot, st.Actions.UpdateUnavailable, st.Actions.Unavailable)
	}

	upload := time.Now()
	body := c.want(http.StatusOK, "POST", "actions/update", bundle)
	t.Logf("uploaded and installed the update in %.1f s: %s", time.Since(upload).Seconds(), bytes.TrimSpace(body))
	reboot := time.Now()
	c.want(http.StatusAccepted, "POST", "actions/reboot", nil)
	vm.waitConsole(t, trialOf(update.SlotB), healthyWithin, "the node did not reboot into a trial of slot b after the dashboard's reboot")
	healthy, _ := vm.waitHealthy(t, reboot) // the console already shows init: no stall check
	vm.waitConsole(t, committed(update.SlotB), trialDeadline, "slot b was healthy but not committed")
	t.Logf("reboot request to healthy on slot b %.1f s, committed %.1f s after the request", healthy.Seconds(), time.Since(reboot).Seconds())

	// The password lives on /data: it survives the update.
	c = newDashboardClient(t, vm)
	c.want(http.StatusNoContent, "POST", "login", map[string]string{"password": livePassword})
	if st := c.status(); !st.Actions.Update {
		vm.fail(t, "after the update the dashboard offers no update: %q", st.Actions.UpdateUnavailable)
	}
	vm.shutdown(t, "system_powerdown")
	entries := wantEntries(t, img, "cairn-b.conf", "cairn-a.conf")
	if _, trial := update.CmdlineValue(entries[0].Options, update.CmdlineTrial); trial {
		t.Errorf("committed entry %s still has %s in its options %q", entries[0].FileName(), update.CmdlineTrial, entries[0].Options)
	}
	t.Logf("TestUpdateLive: %.1f s in all", time.Since(start).Seconds())
}

// dashboardClient talks to a booted node's dashboard API as the page
// does: a cookie jar for the session and the page's Origin on requests.
type dashboardClient struct {
	t  *testing.T
	vm *vm
	c  *http.Client
}

func newDashboardClient(t *testing.T, v *vm) *dashboardClient {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	// Installing a bundle writes tens of MiB to a FAT file system under
	// TCG: allow it a minute.
	c := &http.Client{Jar: jar, Timeout: time.Minute, Transport: &http.Transport{}}
	t.Cleanup(c.CloseIdleConnections)
	return &dashboardClient{t: t, vm: v, c: c}
}

// want sends method to the dashboard API route with body (nil: none;
// []byte: as is; else JSON), fails unless the answer is code, and
// returns the answer's body.
func (c *dashboardClient) want(code int, method, route string, body any) []byte {
	c.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(j)
	}
	path := dashboard.Prefix + "api/" + route
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.vm.url+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Origin", c.vm.url)
	if _, ok := body.([]byte); ok {
		req.Header.Set("Content-Type", "application/octet-stream")
	} else if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.vm.fail(c.t, "%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code {
		c.vm.fail(c.t, "%s %s = %s %s, want %d", method, path, resp.Status, strings.TrimSpace(string(out)), code)
	}
	return out
}

// status returns the dashboard's status document.
func (c *dashboardClient) status() dashboard.Status {
	c.t.Helper()
	var st dashboard.Status
	if err := json.Unmarshal(c.want(http.StatusOK, "GET", "status", nil), &st); err != nil {
		c.t.Fatalf("GET status: %v", err)
	}
	return st
}
