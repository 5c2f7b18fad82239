package mplex

import (
	"sync"
	"time"
)

// deadline is a settable deadline whose expiry closes a channel, so that
// blocked operations can select on it (the scheme of net.Pipe).
//
// concurrency: safe for concurrent use.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer   // fires at the deadline; nil when none is pending
	expire chan struct{} // closed once the deadline has passed
}

func newDeadline() *deadline {
	return &deadline{expire: make(chan struct{})}
}

// set moves the deadline to t; the zero time means none.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.expire // the timer fired: wait until its func has closed expire
	}
	d.timer = nil
	expired := isClosed(d.expire)
	if t.IsZero() {
		if expired {
			d.expire = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if expired {
			d.expire = make(chan struct{})
		}
		ch := d.expire
		d.timer = time.AfterFunc(dur, func() { close(ch) })
		return
	}
	if !expired {
		close(d.expire)
	}
}

// wait returns a channel that is closed when the deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expire
}

// stop releases the timer; the deadline keeps its current state.
func (d *deadline) stop() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && d.timer.Stop() {
		d.timer = nil
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
