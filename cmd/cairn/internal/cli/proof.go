package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/storage/client"
	"github.com/cairn-node/cairn/node/storage/proofs"
	proofsapi "github.com/cairn-node/cairn/node/storage/proofs/httpapi"
)

// proofsPath is where the node serves storage proofs.
const proofsPath = client.DefaultPrefix + "/proofs"

func newProofCmd(env *Env, g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proof",
		Short: "Storage proofs of erasure-coded datasets: prove, verify",
		Long: `proof asks a running node (--api, default the api_addr of the config) to
prove that it holds a slot of an erasure-coded dataset, or to verify such a
proof. The first proof with a sample count sets up its keys on the node
(about 2.5 s for 1 sample, 10 s for 5, minutes for 100 on a 2-core
machine); prove and verify wait for the setup, saying so, for up to --wait.`,
	}
	cmd.AddCommand(newProofProveCmd(env, g), newProofVerifyCmd(env, g), newProofInputCmd(env, g))
	return cmd
}

func newProofProveCmd(env *Env, g *globals) *cobra.Command {
	var (
		api  apiFlag
		req  proofsapi.ProveRequest
		out  string
		wait time.Duration
	)
	cmd := &cobra.Command{
		Use:   "prove --cid CID --slot N --entropy E",
		Short: "Prove a slot of a stored erasure-coded dataset; print or save the proof JSON",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			raw, err := postProveRequest(cmd, env, g, api, wait, proofsPath, req, out)
			if err != nil || out == "" {
				return err
			}
			var pr proofsapi.ProveResponse
			if err := json.Unmarshal(raw, &pr); err != nil {
				return fmt.Errorf("node answered with malformed JSON: %w", err)
			}
			_, err = fmt.Fprintf(env.Stdout, "proof of slot %d (%d samples, %d ms) written to %s\n",
				pr.Public.SlotIndex, pr.Samples, pr.ElapsedMS, out)
			return err
		},
	}
	api.register(cmd)
	proveRequestFlags(cmd, &req)
	waitFlag(cmd, &wait)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write the proof JSON to `file` instead of stdout")
	return cmd
}

// postProveRequest posts req to path on the node and writes the answer to
// the file out, or to stdout when out is empty; it returns the answer.
func postProveRequest(cmd *cobra.Command, env *Env, g *globals, api apiFlag, wait time.Duration, path string, req proofsapi.ProveRequest, out string) (json.RawMessage, error) {
	if req.CID == "" || req.Entropy == "" {
		return nil, usageError{errors.New("--cid and --entropy are required")}
	}
	c, err := api.client(env, g)
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := postWaiting(cmd.Context(), env, c, wait, path, req, &raw); err != nil {
		return nil, err
	}
	if out == "" {
		_, err = env.Stdout.Write(append(raw, '\n'))
	} else {
		err = os.WriteFile(out, append(raw, '\n'), 0o644)
	}
	return raw, err
}

// proveRequestFlags registers --cid, --slot, --entropy and --samples into req.
func proveRequestFlags(cmd *cobra.Command, req *proofsapi.ProveRequest) {
	f := cmd.Flags()
	f.StringVar(&req.CID, "cid", "", "manifest CID of an erasure-coded dataset")
	f.IntVar(&req.Slot, "slot", 0, "slot index (0..K+M-1)")
	f.StringVar(&req.Entropy, "entropy", "", "public entropy, a decimal BN254 field element")
	f.IntVar(&req.Samples, "samples", 5, "number of sampled cells N")
}

func newProofInputCmd(env *Env, g *globals) *cobra.Command {
	var (
		api apiFlag
		req proofsapi.ProveRequest
		out string
	)
	cmd := &cobra.Command{
		Use:   "input --cid CID --slot N --entropy E",
		Short: "Print or save upstream's circuit input (input.json) for a slot, to prove with upstream's tools",
		Long: `input asks the node for what 'proof prove' would prove, written as the
circuit input of upstream's storage proof (Codex / Logos Storage
input.json). With upstream's proof_main.wasm and proof_main.zkey, upstream's
tools turn it into a proof for upstream's on-chain verifier, e.g.

  cairn proof input --cid CID --slot 0 --entropy 1234 -o input.json
  snarkjs groth16 fullprove input.json proof_main.wasm proof_main.zkey proof.json public.json

It needs no proving keys on the node.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := postProveRequest(cmd, env, g, api, 0, proofsPath+"/input", req, out); err != nil || out == "" {
				return err
			}
			_, err := fmt.Fprintf(env.Stdout, "circuit input of slot %d (%d samples) written to %s\n", req.Slot, req.Samples, out)
			return err
		},
	}
	api.register(cmd)
	proveRequestFlags(cmd, &req)
	cmd.Flags().StringVarP(&out, "output", "o", "", "write input.json to `file` instead of stdout")
	return cmd
}

func newProofVerifyCmd(env *Env, g *globals) *cobra.Command {
	var (
		api       apiFlag
		vkPath    string
		publicPth string
		wait      time.Duration
	)
	cmd := &cobra.Command{
		Use:   "verify PROOF.json",
		Short: "Verify a proof written by 'cairn proof prove' (- reads stdin), or a snarkjs proof offline",
		Long: `verify asks the node to check a proof written by 'cairn proof prove'.

With --vk and --public it checks a proof on this machine instead, without a
node, the way 'snarkjs groth16 verify' does: PROOF.json is a snarkjs
proof.json, --vk a snarkjs verification_key.json and --public a
public.json (entropy, dataset root, slot index). That verifies proofs made
by upstream's (Codex / Logos Storage) circom prover under upstream's keys,
e.g. codex-contracts-eth verifier/networks/*/proof_main_verification_key.json.`,
		Args: exactlyOne("PROOF.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var (
				raw []byte
				err error
			)
			if args[0] == "-" && env.Stdin != nil {
				raw, err = io.ReadAll(env.Stdin)
			} else {
				raw, err = os.ReadFile(args[0])
			}
			if err != nil {
				return err
			}
			if !json.Valid(raw) {
				return fmt.Errorf("%s is not JSON; pass the file written by 'cairn proof prove -o'", args[0])
			}
			if vkPath != "" || publicPth != "" {
				if vkPath == "" || publicPth == "" {
					return usageError{errors.New("--vk and --public go together (a snarkjs verification_key.json and public.json)")}
				}
				if err := verifySnarkjs(raw, vkPath, publicPth); err != nil {
					return err
				}
				_, err = fmt.Fprintln(env.Stdout, "proof valid")
				return err
			}
			c, err := api.client(env, g)
			if err != nil {
				return err
			}
			var v proofsapi.VerifyResponse
			if err := postWaiting(cmd.Context(), env, c, wait, proofsPath+"/verify", json.RawMessage(raw), &v); err != nil {
				return err
			}
			if !v.Valid {
				return fmt.Errorf("proof INVALID: %s", v.Reason)
			}
			_, err = fmt.Fprintln(env.Stdout, "proof valid")
			return err
		},
	}
	api.register(cmd)
	f := cmd.Flags()
	f.StringVar(&vkPath, "vk", "", "verify offline against this snarkjs verification_key.json (with --public)")
	f.StringVar(&publicPth, "public", "", "the snarkjs public.json of the proof: [entropy, dataset root, slot index]")
	waitFlag(cmd, &wait)
	return cmd
}

// verifySnarkjs checks the snarkjs proof.json proofJSON against the
// verifying key and public inputs in the files at vkPath and publicPath.
func verifySnarkjs(proofJSON []byte, vkPath, publicPath string) error {
	vkJSON, err := os.ReadFile(vkPath)
	if err != nil {
		return err
	}
	vk, err := proofs.ParseSnarkjsVerifyingKey(vkJSON)
	if err != nil {
		return fmt.Errorf("%s: %w", vkPath, err)
	}
	var p proofs.Proof
	if err := json.Unmarshal(proofJSON, &p); err != nil {
		return fmt.Errorf("proof: %w (want a snarkjs proof.json)", err)
	}
	pubJSON, err := os.ReadFile(publicPath)
	if err != nil {
		return err
	}
	var pub []string
	if err := json.Unmarshal(pubJSON, &pub); err != nil || len(pub) != 3 {
		return fmt.Errorf("%s: want a JSON list of 3 decimal strings (entropy, dataset root, slot index)", publicPath)
	}
	var in [3]*big.Int
	for i, s := range pub {
		var ok bool
		if in[i], ok = new(big.Int).SetString(s, 10); !ok {
			return fmt.Errorf("%s: value %d (%q) is not a decimal", publicPath, i, s)
		}
	}
	if !in[2].IsUint64() {
		return fmt.Errorf("%s: slot index %s out of range", publicPath, in[2])
	}
	if err := vk.Verify(&p, proofs.PublicInputs{Entropy: in[0], DataSetRoot: in[1], SlotIndex: in[2].Uint64()}); err != nil {
		return fmt.Errorf("proof INVALID: %w", err)
	}
	return nil
}

// busyError is a 503 with Retry-After: the node is setting up the keys
// the request needs.
type busyError struct {
	ce    *client.Error
	after time.Duration // Retry-After
	msg   string        // the server's message
}

func (e *busyError) Error() string { return e.ce.Error() }

// Unwrap returns the *client.Error.
func (e *busyError) Unwrap() error { return e.ce }

// postWaiting is postJSON, retried while the node answers that it is
// setting up keys (503 with Retry-After), for up to wait; it says on
// stderr what it waits for and for how long it has waited.
func postWaiting(ctx context.Context, env *Env, c *client.Client, wait time.Duration, path string, in, out any) error {
	start := time.Now()
	for {
		err := postJSON(ctx, c, path, in, out)
		var busy *busyError
		if !errors.As(err, &busy) || time.Since(start)+busy.after > wait {
			if busy != nil {
				return fmt.Errorf("%w; gave up after --wait %s: run the command again later, or with a longer --wait", err, wait)
			}
			return err
		}
		fmt.Fprintf(env.Stderr, "cairn: %s; waiting %s (%s so far, up to --wait %s)\n",
			busy.msg, busy.after, time.Since(start).Round(time.Second), wait)
		select {
		case <-time.After(busy.after):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// waitFlag registers --wait into wait.
func waitFlag(cmd *cobra.Command, wait *time.Duration) {
	cmd.Flags().DurationVar(wait, "wait", 15*time.Minute, "how long to wait while the node sets up the keys of a new sample count (minutes for many samples); 0: do not wait")
}

// postJSON posts in as JSON to path on c's node and decodes the answer
// into out; an error status is a *client.Error with the server's message.
func postJSON(ctx context.Context, c *client.Client, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BaseURL()+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w (is the node running? start it with `cairn run`)", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		ce := &client.Error{Status: resp.StatusCode, Message: msg}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			ce.Message += " (retry in " + ra + " s)"
			if secs, err := strconv.Atoi(ra); err == nil && secs > 0 && resp.StatusCode == http.StatusServiceUnavailable {
				return &busyError{ce: ce, after: time.Duration(secs) * time.Second, msg: msg}
			}
		}
		return ce
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("POST %s: malformed answer: %w", path, err)
	}
	return nil
}
