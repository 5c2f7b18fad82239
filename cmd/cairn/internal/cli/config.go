package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/config"
)

func newConfigCmd(env *Env, g *globals) *cobra.Command {
	var defaults bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Print the configuration in effect",
		Long: `Config prints, as TOML, the settings 'cairn run' would use without flags:
the built-in defaults overlaid with the --config / CAIRN_CONFIG file and
CAIRN_* environment variables. With --default it prints the built-in
default file, which documents every key.`,
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error {
			if defaults {
				_, err := env.Stdout.Write(config.DefaultTOML())
				return err
			}
			cfg, err := g.loadConfig(env, config.Config{})
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(env.Stdout, cfg.String())
			return err
		},
	}
	cmd.Flags().BoolVar(&defaults, "default", false, "print the documented built-in defaults instead")
	return cmd
}
