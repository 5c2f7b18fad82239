// Command cairn runs a Cairn node and inspects this machine's kernel
// acceleration. Run `cairn help` for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
)

func main() {
	if os.Getpid() == 1 { // init of a Cairn image: the appliance handles signals itself
		os.Exit(cli.Main(context.Background(), cli.Env{Args: []string{"appliance"}, Stdout: os.Stdout, Stderr: os.Stderr}))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// After the first signal, a second one kills the process the default way.
	context.AfterFunc(ctx, stop)
	os.Exit(cli.Main(ctx, cli.Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
}
