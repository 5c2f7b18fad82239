// Package bench is Cairn's benchmark suite (`make bench`, `cairn bench`):
// every kernel × backend × size, measured side by side in one run, printed
// as an aligned table with ratios to the Go backend and to the best backend
// of the same case, written as JSON (bench/results/<host>-<date>.json) and
// drawn as an SVG bar chart next to it. Readings that are not rates, such
// as the idle node's resident memory, are gauges: listed apart, lower is
// better.
//
// Performance targets are ratios read from these tables, never timed unit
// tests: machines are noisy, and only figures measured in the same run are
// compared.
package bench
