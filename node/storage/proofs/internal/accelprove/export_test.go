package accelprove

import groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"

// LaidOut reports whether Prove will compute C's MSM as one (see Prepare).
func LaidOut(pk *groth16bn254.ProvingKey) bool {
	_, ok := laidOut(pk)
	return ok
}
