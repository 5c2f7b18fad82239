package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/accel"
	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/config"
)

func newAccelCmd(env *Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "accel",
		Short: "Inspect kernel acceleration on this machine",
		Args:  noArgs,
	}
	var asJSON bool
	info := &cobra.Command{
		Use:   "info",
		Short: "Print the machine probe and the kernel routing table",
		Long: `Info prints what the capability probe found on this machine (CPU,
features, memory, GPUs), the routing policy from the config file and
CAIRN_ACCEL / CAIRN_ACCEL_<KERNEL>, and for every kernel backend linked
into this binary whether it can run here, from which input size it is
picked automatically, and whether the policy forces it.

--json prints the document GET /api/cairn/v1/accel serves:
{"caps": ..., "policy": ..., "routes": [...]}.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig(env, config.Config{})
			if err != nil {
				return err
			}
			ai := api.NewAccelInfo(accel.NewRouter(accel.Probe(), cfg.Accel))
			if asJSON {
				b, err := json.MarshalIndent(ai, "", "  ")
				if err != nil {
					return fmt.Errorf("encode accel info: %w", err)
				}
				_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
				return err
			}
			return printAccelInfo(env.Stdout, ai)
		},
	}
	info.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(info)
	return cmd
}

// printAccelInfo writes the human form of `cairn accel info`.
func printAccelInfo(w io.Writer, ai api.AccelInfo) error {
	c := ai.Caps
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Machine")
	model := orUnknown(c.CPUModel)
	if c.CPUVendor != "" {
		model += " (" + c.CPUVendor + ")"
	}
	fmt.Fprintf(tw, "  CPU\t%s\n", model)
	fmt.Fprintf(tw, "  Arch\t%s\n", c.Arch)
	cores := fmt.Sprintf("%d logical", c.LogicalCores)
	if c.PhysicalCores > 0 {
		cores += fmt.Sprintf(", %d physical", c.PhysicalCores)
	}
	fmt.Fprintf(tw, "  Cores\t%s\n", cores)
	mem := "unknown"
	if c.MemTotalBytes > 0 {
		mem = fmt.Sprintf("%.1f GiB", float64(c.MemTotalBytes)/(1<<30))
	}
	fmt.Fprintf(tw, "  Memory\t%s\n", mem)
	fmt.Fprintf(tw, "  Features\t%s\n", orNone(strings.Join(c.Features, " ")))
	if len(c.GPUs) == 0 {
		fmt.Fprintf(tw, "  GPUs\tnone\n")
	}
	for i, gpu := range c.GPUs {
		fmt.Fprintf(tw, "  GPU %d\t%s %s\n", i, gpu.Vendor, orUnknown(gpu.Model))
	}

	fmt.Fprintln(tw, "\nPolicy")
	backend := "auto (by input size)"
	if ai.Policy.Force != "" {
		backend = string(ai.Policy.Force) + " (forced)"
	}
	fmt.Fprintf(tw, "  Backend\t%s\n", backend)
	var forced []string
	for _, k := range accel.Kernels {
		if b, ok := ai.Policy.Kernels[k]; ok {
			forced = append(forced, string(k)+"="+string(b))
		}
	}
	fmt.Fprintf(tw, "  Kernels\t%s\n", orNone(strings.Join(forced, " ")))
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\nRouting")
	if len(ai.Routes) == 0 {
		_, err := fmt.Fprintln(w, "  no kernel backends are linked into this build")
		return err
	}
	var table bytes.Buffer
	tw = tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  KERNEL\tBACKEND\tAVAILABLE\tAUTO FROM\tFORCED\tNOTE")
	for _, r := range ai.Routes {
		forced := ""
		if r.Forced {
			forced = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n",
			r.Kernel, r.Backend, yesNo(r.Available), threshold(r.MinSize, r.Unit), forced, r.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Rows with empty last cells end in padding; drop it.
	for line := range strings.Lines(table.String()) {
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}

// threshold formats an automatic-routing threshold with its unit; byte
// units ("bytes", "bytes per shard") use KiB, MiB and GiB when exact.
func threshold(n int, unit string) string {
	if n == accel.Never {
		return "on request only"
	}
	if rest, ok := strings.CutPrefix(unit, "bytes"); ok {
		for _, u := range []struct {
			shift uint
			name  string
		}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
			if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
				return fmt.Sprintf("%d %s%s", n>>u.shift, u.name, rest)
			}
		}
	}
	return fmt.Sprintf("%d %s", n, unit)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
