package dashboard

import (
	"errors"
	"net/http"

	"github.com/cairn-node/cairn/appliance/update"
)

// maxImageBytes bounds an uploaded system image.
const maxImageBytes = 4 << 30

// action returns the handler of a machine action; fn reads the action's
// function at request time.
func (d *Dashboard) action(name string, fn func() func() error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f := fn()
		if f == nil {
			writeError(w, http.StatusNotImplemented, name+" is not available: "+d.o.Actions.Unavailable)
			return
		}
		d.log.Warn("machine action requested from the dashboard", "action", name, "client", clientAddr(r))
		if err := f(); err != nil {
			d.log.Error("machine action failed", "action", name, "err", err)
			writeError(w, http.StatusInternalServerError, name+" failed: "+err.Error())
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]string{"status": name + " requested"})
	}
}

func (d *Dashboard) update(w http.ResponseWriter, r *http.Request) {
	if d.o.Actions.Update == nil {
		writeError(w, http.StatusNotImplemented, "update is not available: "+d.o.Actions.UpdateUnavailable)
		return
	}
	d.log.Warn("system update uploaded from the dashboard", "client", clientAddr(r), "bytes", r.ContentLength)
	if err := d.o.Actions.Update(r.Context(), http.MaxBytesReader(w, r.Body, maxImageBytes)); err != nil {
		d.log.Error("system update failed", "err", err)
		code := http.StatusInternalServerError
		if errors.Is(err, update.ErrSignature) || errors.Is(err, update.ErrCorrupt) || errors.Is(err, update.ErrBoard) {
			code = http.StatusUnprocessableEntity // the bundle, not the node, is at fault
		} else if errors.Is(err, update.ErrTrialPending) {
			code = http.StatusConflict
		}
		writeError(w, code, "update failed: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "update installed; reboot to run it"})
}
