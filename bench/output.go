package bench

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Save writes the report as <dir>/<host>-<date>.json and the chart as
// <dir>/<host>-<date>.svg, creating dir, and returns the JSON path.
func (r *Report) Save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bench: create results dir: %w", err)
	}
	host := strings.Map(func(c rune) rune {
		if c == '/' || c == ' ' {
			return '_'
		}
		return c
	}, r.Header.Host)
	base := filepath.Join(dir, fmt.Sprintf("%s-%s", host, r.Header.Date.Format("2006-01-02")))
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("bench: write results: %w", err)
	}
	f, err := os.Create(base + ".svg")
	if err != nil {
		return "", fmt.Errorf("bench: write chart: %w", err)
	}
	if err := r.WriteSVG(f); err != nil {
		f.Close()
		return "", err
	}
	return base + ".json", f.Close()
}

// backendColors gives each backend one bar colour; peerColor is for the
// libraries measured directly beside them (Case.PeerName).
var backendColors = map[string]string{"go": "#8c8c8c", "simd": "#2b7bb9", "icicle": "#d9822b"}

const peerColor = "#6a3d9a"

func barColor(backend string) string {
	if c, ok := backendColors[backend]; ok {
		return c
	}
	return peerColor
}

// WriteSVG draws one horizontal bar per measured record, grouped by case.
// A bar's length is its value relative to the best backend of its case (the
// best spans the full width); the label gives the value and the ratio to Go.
// The gauges follow as lines of text.
func (r *Report) WriteSVG(w io.Writer) error {
	const (
		labelW, barW, rowH, gap, top = 330, 420, 16, 10, 40
		valueW                       = 260 // room for the value label right of a full bar
	)
	type row struct {
		label string
		rec   Record
	}
	var rows []row
	var groups []int // row index where a new case starts
	lastCase := ""
	for _, rec := range r.Records {
		if rec.Skipped != "" {
			continue
		}
		if c := rec.Kernel + " " + rec.Params; c != lastCase {
			groups = append(groups, len(rows))
			lastCase = c
		}
		rows = append(rows, row{rec.Kernel + " " + rec.Params, rec})
	}
	height := top + len(rows)*rowH + len(groups)*gap + 20 + len(r.Gauges)*rowH
	width := labelW + barW + valueW
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/><text x="10" y="18" font-size="13" font-weight="bold">Cairn make bench: %s (%s, %d cores)</text>`+"\n",
		html.EscapeString(r.Header.Host), html.EscapeString(r.Header.CPU), r.Header.Cores)
	x := 10
	for _, be := range []string{"go", "simd", "icicle", "library called directly"} {
		fmt.Fprintf(&b, `<rect x="%d" y="26" width="10" height="10" fill="%s"/><text x="%d" y="35">%s</text>`+"\n", x, barColor(be), x+14, be)
		x += 70
	}
	y := top
	gi := 0
	for i, rw := range rows {
		if gi < len(groups) && groups[gi] == i {
			y += gap
			gi++
			fmt.Fprintf(&b, `<text x="10" y="%d">%s</text>`+"\n", y+rowH-4, html.EscapeString(rw.label))
		}
		toGo, toBest := r.Ratios(rw.rec)
		bw := int(toBest * barW)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", labelW, y+2, max(bw, 1), rowH-4, barColor(rw.rec.Backend))
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s %s %s (%.1fx go)</text>`+"\n", labelW+max(bw, 1)+4, y+rowH-4,
			rw.rec.Backend, human(rw.rec.Value), html.EscapeString(rw.rec.Unit), toGo)
		y += rowH
	}
	// Gauges are no rates: text under the bars, not bars.
	for _, g := range r.Gauges {
		v := human(g.Value) + " " + g.Unit
		if g.Skipped != "" {
			v = "n/a"
		}
		y += rowH
		fmt.Fprintf(&b, `<text x="10" y="%d">%s</text>`+"\n", y,
			html.EscapeString(fmt.Sprintf("%s %s: %s (lower is better)", g.Name, g.Params, v)))
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
