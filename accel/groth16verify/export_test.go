package groth16verify

import "github.com/cairn-node/cairn/accel/msm"

// SetMSMRoute makes the verifier get its routed MSMs (more than
// InlineMSMPoints points) from route until the returned restore is called.
// Not safe while verifications run.
func SetMSMRoute(route func(n int) (msm.MSM, error)) (restore func()) {
	old := routeMSM
	routeMSM = route
	return func() { routeMSM = old }
}
