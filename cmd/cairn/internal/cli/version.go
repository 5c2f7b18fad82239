package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/buildinfo"
)

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of cairn",
		Args:  noArgs,
		RunE: func(*cobra.Command, []string) error {
			bi := buildinfo.Read()
			_, err := fmt.Fprintf(env.Stdout, "cairn %s (revision %s, %s, %s)\n", bi.Version, bi.Revision, bi.GoVersion, bi.Platform)
			return err
		},
	}
}
