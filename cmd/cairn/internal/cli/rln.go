package cli

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// errFalse makes `rln verify` exit 1 after printing "false".
var errFalse = errors.New("proof rejected")

func newRLNCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rln",
		Short: "RLN v2 proofs as nwaku and zerokit make them",
	}
	cmd.AddCommand(newRLNKeygenCmd(env), newRLNRegisterCmd(env), newRLNProveCmd(env), newRLNVerifyCmd(env))
	return cmd
}

// rlnVector is the part of a shared RLN vector that verify reads.
type rlnVector struct {
	ProofValuesHex string          `json:"proof_values_hex"`
	SignalHex      string          `json:"signal_hex"`
	VerifyInputHex string          `json:"verify_input_hex"`
	MerkleRoot     json.RawMessage `json:"merkle_root"`
}

func newRLNVerifyCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "verify FILE.json",
		Short: "Verify an RLN v2 proof: prints true (exit 0) or false (exit 1)",
		Long: `verify reads a JSON object with proof_values_hex and signal_hex (zerokit's
byte layouts), and optionally verify_input_hex and merkle_root, and checks the
proof as zerokit's verify_rln_proof does: x = keccak256(signal) mod r, the root
(when given) and the Groth16 proof against the RLN v2 verification key.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("%s takes one FILE.json argument", cmd.CommandPath())}
			}
			return nil
		},
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			ok, err := verifyRLNFile(args[0])
			if err != nil {
				fmt.Fprintf(env.Stderr, "cairn: rln verify: %v\n", err)
			}
			fmt.Fprintln(env.Stdout, ok)
			if !ok {
				return errFalse
			}
			return nil
		},
	}
}

// verifyRLNFile checks the vector in path; an error explains a false.
func verifyRLNFile(path string) (bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	var v rlnVector
	if err := json.Unmarshal(raw, &v); err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	pvb, err1 := hex.DecodeString(strings.TrimPrefix(v.ProofValuesHex, "0x"))
	signal, err2 := hex.DecodeString(strings.TrimPrefix(v.SignalHex, "0x"))
	if err := errors.Join(err1, err2); err != nil || len(pvb) == 0 {
		return false, fmt.Errorf("%s: want proof_values_hex and signal_hex in hex: %w", path, err)
	}
	pv, err := rln.DecodeProofValues(pvb)
	if err != nil {
		return false, err
	}
	if v.VerifyInputHex != "" {
		b, err := hex.DecodeString(strings.TrimPrefix(v.VerifyInputHex, "0x"))
		if err != nil {
			return false, fmt.Errorf("verify_input_hex: %w", err)
		}
		pv2, sig2, err := rln.DecodeVerifyInput(b)
		if err != nil {
			return false, err
		}
		if string(pv2.Encode()) != string(pv.Encode()) || string(sig2) != string(signal) {
			return false, errors.New("verify_input_hex does not carry the same proof values and signal")
		}
	}
	var roots []fr.Element
	if len(v.MerkleRoot) > 0 {
		root, err := parseRoot(v.MerkleRoot)
		if err != nil {
			return false, err
		}
		roots = append(roots, root)
	}
	return rln.VerifyRLN(rln.DefaultVerifyingKey(), pv, signal, roots)
}

// parseRoot reads merkle_root as a field element (see parseField).
func parseRoot(raw json.RawMessage) (fr.Element, error) {
	r, err := parseField(raw)
	if err != nil {
		return fr.Element{}, fmt.Errorf("merkle_root: %w", err)
	}
	return r, nil
}
