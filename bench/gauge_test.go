package bench

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"
)

// TestGaugesInOutputs checks that a gauge is listed apart from the records
// in the table, the JSON and the chart, and never gets a ratio or a bar.
func TestGaugesInOutputs(t *testing.T) {
	rep := &Report{
		Header:  Header{Host: "h"},
		Records: []Record{{Kernel: "k", Params: "p", Backend: "go", Unit: "msg/s", Value: 10}},
		Gauges:  []Gauge{{Name: "node-idle-rss", Params: "idle 5s", Unit: "MB", Value: 67.5}},
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	records, gauges, ok := strings.Cut(table.String(), "# gauges (lower is better)")
	if !ok || strings.Contains(records, "node-idle-rss") || !strings.Contains(gauges, "67.50") {
		t.Errorf("table does not list the gauge in its own section:\n%s", table.String())
	}
	path, err := rep.Save(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Records) != 1 || len(back.Gauges) != 1 || back.Gauges[0] != rep.Gauges[0] {
		t.Errorf("JSON records %+v, gauges %+v; want 1 record and the gauge", back.Records, back.Gauges)
	}
	svg, err := os.ReadFile(strings.TrimSuffix(path, ".json") + ".svg")
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(svg, new(struct{})); err != nil {
		t.Errorf("chart is not well-formed XML: %v", err)
	}
	if n := strings.Count(string(svg), "<rect"); n != 1+4+1 { // background, legend, the record's bar
		t.Errorf("chart has %d rects, want 6 (no bar for the gauge)", n)
	}
	if !strings.Contains(string(svg), "node-idle-rss idle 5s: 67.50 MB (lower is better)") {
		t.Error("chart lacks the gauge's line")
	}
}
