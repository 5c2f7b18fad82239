// Package supervise runs a long-lived child process and restarts it when it
// exits, the way gokrazy supervises its services: one process group per
// child, an exponential back-off between restarts that resets once the
// child has stayed up, a reserved exit status ([DontRestart]) that means
// "leave me stopped", an environment flag on the first start, and every
// line of the child's stdout and stderr kept in a [Ring] and copied to the
// console.
//
// # Usage
//
//	s := supervise.New(supervise.Service{
//		Name: "node",
//		Path: "/proc/self/exe",
//		Args: []string{"run", "--data-dir", "/data/cairn"},
//	}, supervise.WithConsole(os.Stdout))
//	err := s.Run(ctx) // returns after ctx is cancelled and the child is stopped
//
// PID 1 passes its reaper with [WithStarter], so that its zombie reaping and
// the supervisor's wait on the child never race for the same exit status.
package supervise
