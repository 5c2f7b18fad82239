package pid1_test

import (
	"os/exec"
	"testing"
	"time"

	"github.com/cairn-node/cairn/appliance/pid1"
)

func TestReaperDeliversStatus(t *testing.T) {
	r := pid1.NewReaper()
	defer r.Close()
	done, err := r.Start(exec.Command("/bin/sh", "-c", "exit 7"))
	if err != nil {
		t.Skipf("no /bin/sh: %v", err)
	}
	select {
	case ws := <-done:
		if !ws.Exited() || ws.ExitStatus() != 7 {
			t.Errorf("status = %#x, want exit 7", uint32(ws))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no status 20 s after the child exited")
	}
}
