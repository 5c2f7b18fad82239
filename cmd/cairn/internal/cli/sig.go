package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/accel/sigbatch"
	"github.com/cairn-node/cairn/node/sigverify"
	"github.com/cairn-node/cairn/node/storage/client"
)

func newSigCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sig",
		Short: "Signature batches (Ed25519, BLS12-381, secp256k1): verify-batch, gen",
		Long: `sig verifies batches of signatures of any mix of Ed25519, BLS12-381 (Ethereum's
min-pk proof-of-possession ciphersuite) and secp256k1 ECDSA over SHA-256,
with batch equations and bisection (package accel/sigbatch), and writes such
batches with fresh keys for tests and benchmarks.

A batch file is a JSON list:

  [{"scheme": "ed25519", "public_key": HEX, "message": HEX, "signature": HEX}, ...]`,
	}
	cmd.AddCommand(newSigVerifyBatchCmd(env), newSigGenCmd(env))
	return cmd
}

func newSigVerifyBatchCmd(env *Env) *cobra.Command {
	var (
		asJSON bool
		api    string
	)
	cmd := &cobra.Command{
		Use:   "verify-batch FILE",
		Short: "Verify a JSON batch of signatures (- reads stdin); exit 1 if any fails",
		Long: `verify-batch reads a batch file (see 'cairn sig --help'; FILE - reads stdin)
and verifies it on this machine, or with --api on a running node
(POST /api/accel/v1/verify).

It prints one line per failed item, with the reason when the item is
malformed, then a summary; --json prints exactly {"valid": N, "failed": [...]}
instead. The exit status is 0 when every signature is valid, 1 when any
failed or on an error (a malformed file: the message names the item), and
2 for bad arguments.`,
		Args: exactlyOne("FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := readSigInput(env, args[0])
			if err != nil {
				return fmt.Errorf("sig verify-batch: %w", err)
			}
			items, err := sigverify.Decode(strings.NewReader(string(raw)), 0)
			if err != nil {
				return fmt.Errorf("sig verify-batch %s: %w", args[0], err)
			}
			var res sigverify.Result
			if api == "" {
				res, err = sigverify.Verify(items)
			} else {
				err = postJSON(cmd.Context(), client.New(api, ""), sigverify.VerifyPath, json.RawMessage(raw), &res)
			}
			if err != nil {
				return fmt.Errorf("sig verify-batch: %w", err)
			}
			if err := printSigResult(env.Stdout, items, res, asJSON); err != nil {
				return err
			}
			if len(res.Failed) > 0 {
				return fmt.Errorf("%d of %d signatures failed: %w", len(res.Failed), len(items), errFalse)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"valid": N, "failed": [...]} only`)
	cmd.Flags().StringVar(&api, "api", "", "verify on the node at HOST:PORT or URL instead of locally")
	return cmd
}

// readSigInput reads the file name, or stdin for "-".
func readSigInput(env *Env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(env.Stdin)
	}
	return os.ReadFile(name)
}

// printSigResult writes the result as JSON, or as one line per failed item
// and a summary.
func printSigResult(w io.Writer, items []sigbatch.Item, res sigverify.Result, asJSON bool) error {
	if asJSON {
		raw, _ := res.MarshalJSON() // never fails
		_, err := fmt.Fprintf(w, "%s\n", raw)
		return err
	}
	for _, i := range res.Failed {
		reason := "signature does not verify"
		if i >= 0 && i < len(items) {
			if err := sigbatch.CheckItem(items[i]); err != nil {
				reason = err.Error()
			}
			fmt.Fprintf(w, "item %d (%s): FAILED: %s\n", i, items[i].Scheme, reason)
		} else {
			fmt.Fprintf(w, "item %d: FAILED\n", i)
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d signatures valid, %d failed\n", res.Valid, len(items), len(res.Failed))
	return err
}

func newSigGenCmd(env *Env) *cobra.Command {
	var (
		scheme, bad, out string
		n                int
		same, aggregate  bool
	)
	cmd := &cobra.Command{
		Use:   "gen --scheme S -n N",
		Short: "Write a batch file of N signatures made with fresh keys",
		Long: `gen signs N random 32-byte messages (one message with --same-message) with
N fresh keys of scheme S (ed25519, bls12-381 or secp256k1) and writes the
batch file for 'cairn sig verify-batch' to stdout or -o FILE. --bad i,j
replaces the signatures of items i and j by signatures of another message:
well formed, but invalid. --aggregate (bls12-381, implies --same-message)
writes one aggregate signature of the N signers instead, with their keys
in "public_keys"; with --bad it does not verify.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := sigbatch.ParseScheme(scheme)
			if err != nil {
				return usageError{fmt.Errorf("--scheme: %w", err)}
			}
			if n < 0 {
				return usageError{fmt.Errorf("-n %d: want a count >= 0", n)}
			}
			if aggregate && s != sigbatch.BLS12381 {
				return usageError{errors.New("--aggregate needs --scheme bls12-381")}
			}
			opt := sigbatch.GenerateOptions{SameMessage: same || aggregate}
			if bad != "" {
				for _, f := range strings.Split(bad, ",") {
					i, err := strconv.Atoi(strings.TrimSpace(f))
					if err != nil || i < 0 || i >= n {
						return usageError{fmt.Errorf("--bad %q: want item indices in [0, %d) separated by commas", bad, n)}
					}
					opt.Bad = append(opt.Bad, i)
				}
			}
			items, err := sigbatch.Generate(s, n, opt)
			if err != nil {
				return fmt.Errorf("sig gen: %w", err)
			}
			if aggregate && n > 0 {
				agg, err := sigbatch.Aggregate(items)
				if err != nil {
					return fmt.Errorf("sig gen: %w", err)
				}
				items = []sigbatch.Item{agg}
			}
			if out == "" {
				_, err = env.Stdout.Write(sigverify.Encode(items))
				return err
			}
			return os.WriteFile(out, sigverify.Encode(items), 0o644)
		},
	}
	f := cmd.Flags()
	f.StringVar(&scheme, "scheme", "", "signature scheme: ed25519, bls12-381 or secp256k1")
	f.IntVarP(&n, "count", "n", 0, "number of signatures")
	f.StringVar(&bad, "bad", "", "comma-separated indices of items to make invalid")
	f.BoolVar(&same, "same-message", false, "sign one message with every key")
	f.BoolVar(&aggregate, "aggregate", false, "write one bls12-381 aggregate signature of all signers")
	f.StringVarP(&out, "output", "o", "", "write to `file` instead of stdout")
	return cmd
}
