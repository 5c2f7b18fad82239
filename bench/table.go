package bench

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// group returns the records of one case (same kernel and params).
func (r *Report) group(kernel, params string) []Record {
	var out []Record
	for _, rec := range r.Records {
		if rec.Kernel == kernel && rec.Params == params {
			out = append(out, rec)
		}
	}
	return out
}

// Ratios returns value/go and value/best-of-case for rec, 0 when either
// reference was not measured.
func (r *Report) Ratios(rec Record) (toGo, toBest float64) {
	var goV, best float64
	for _, o := range r.group(rec.Kernel, rec.Params) {
		if o.Backend == "go" {
			goV = o.Value
		}
		best = max(best, o.Value)
	}
	if goV > 0 {
		toGo = rec.Value / goV
	}
	if best > 0 {
		toBest = rec.Value / best
	}
	return toGo, toBest
}

// WriteTable prints the aligned table: one row per record, with the ratio
// to the Go backend and to the best backend of the same case; then the
// gauges, if any, in a table of their own.
func (r *Report) WriteTable(w io.Writer) error {
	h := r.Header
	fmt.Fprintf(w, "# %s, %s, %d cores, %s, %s, commit %.12s\n", h.Host, h.CPU, h.Cores, h.Arch, h.GoVersion, h.Commit)
	if len(r.Records) == 0 {
		return r.writeGauges(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kernel\tparams\tbackend\tvalue\tunit\tx go\tx best\t")
	var notes []string
	for _, rec := range r.Records {
		if rec.Skipped != "" {
			if !slices.Contains(notes, rec.Skipped) {
				notes = append(notes, rec.Skipped)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\tn/a [%d]\t%s\t-\t-\t\n", rec.Kernel, rec.Params, rec.Backend, slices.Index(notes, rec.Skipped)+1, rec.Unit)
			continue
		}
		toGo, toBest := r.Ratios(rec)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t\n", rec.Kernel, rec.Params, rec.Backend, human(rec.Value), rec.Unit, ratio(toGo), toBest)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for i, n := range notes {
		fmt.Fprintf(w, "[%d] %s\n", i+1, n)
	}
	return r.writeGauges(w)
}

// ratio formats a ratio, or "-" when its reference was not measured.
func ratio(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

// human formats v with three significant digits and a k/M suffix.
func human(v float64) string {
	switch {
	case v >= 1e7:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e5:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
