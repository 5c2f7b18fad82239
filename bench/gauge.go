package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/cairn-node/cairn/accel"
)

// Gauge is a one-off reading that is not a rate, such as a memory
// footprint: lower is better, there are no backends, and it is listed apart
// from the Records, never compared with them or drawn as a bar.
type Gauge struct {
	// Name and Params identify the gauge (e.g. "node-idle-rss",
	// "cairn run,default config,idle 5s").
	Name   string `json:"name"`
	Params string `json:"params"`
	// Unit is Value's unit, e.g. "MB" (10^6 bytes).
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	// Skipped, when set, says why the gauge was not read (Value 0).
	Skipped string `json:"skipped,omitempty"`
}

// gaugeCase is a Gauge to read: Read returns its value in Unit, or an error
// (wrapping accel.ErrUnavailable to skip it). Quick and the filter select
// gauges as they select Cases.
type gaugeCase struct {
	Name, Params, Unit string
	Quick              bool
	Read               func(ctx context.Context) (float64, error)
}

// gaugeCases returns the gauges in display order.
func gaugeCases() []gaugeCase {
	return append([]gaugeCase{idleRSSGauge(nodeIdle)}, storageKeyGauges()...)
}

// readGauges reads the selected gauges, stepping bar once per gauge.
func readGauges(ctx context.Context, gs []gaugeCase, bar *progress) ([]Gauge, error) {
	var out []Gauge
	for _, g := range gs {
		bar.step(g.Name + " " + g.Params)
		rec := Gauge{Name: g.Name, Params: g.Params, Unit: g.Unit}
		v, err := g.Read(ctx)
		switch {
		case errors.Is(err, accel.ErrUnavailable):
			rec.Skipped = err.Error()
		case err != nil:
			return out, fmt.Errorf("bench: %s %s: %w", g.Name, g.Params, err)
		default:
			rec.Value = v
		}
		out = append(out, rec)
	}
	return out, nil
}

// selectGauges keeps the gauges opt selects.
func selectGauges(opt Options) []gaugeCase {
	var out []gaugeCase
	for _, g := range gaugeCases() {
		if (opt.Quick && !g.Quick) || !strings.Contains(g.Name+" "+g.Params, opt.Filter) {
			continue
		}
		out = append(out, g)
	}
	return out
}

// writeGauges prints the gauges as a small table of their own, under the
// records.
func (r *Report) writeGauges(w io.Writer) error {
	if len(r.Gauges) == 0 {
		return nil
	}
	fmt.Fprintln(w, "# gauges (lower is better)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "gauge\tparams\tvalue\tunit\t")
	for _, g := range r.Gauges {
		v := human(g.Value)
		if g.Skipped != "" {
			v = "n/a (" + g.Skipped + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", g.Name, g.Params, v, g.Unit)
	}
	return tw.Flush()
}
