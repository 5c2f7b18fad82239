package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/appliance"
)

// newApplianceCmd is the hidden command PID 1 of a Cairn image runs
// (main.go selects it when the process is PID 1).
func newApplianceCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:    "appliance",
		Short:  "Boot a Cairn image as its PID 1 and supervise the node",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			err := appliance.Run(cmd.Context(), appliance.Options{Console: env.Stdout})
			if err == nil || errors.Is(err, appliance.ErrNotPID1) {
				return err
			}
			// The reboot system call failed: PID 1 must not exit, or the
			// kernel panics. Say so and wait forever.
			env.Stdout.Write([]byte("cairn: " + err.Error() + "; halting here\n"))
			select {}
		},
	}
}
