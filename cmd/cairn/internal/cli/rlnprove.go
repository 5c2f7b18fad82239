package cli

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node/relay/message"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

func newRLNProveCmd(env *Env) *cobra.Command {
	var vectorPath, outPath string
	cmd := &cobra.Command{
		Use:   "prove --vector FILE.json -o OUT.json",
		Short: "Make an RLN v2 proof offline, in zerokit's byte layouts",
		Long: `prove reads a JSON object in the form of the shared RLN vectors without their
proof fields: the identity (identity.identity_secret_hash, or its trapdoor and
nullifier, or identity_secret), user_message_limit, message_id,
path_elements, identity_path_index, the epoch (external_nullifier, or
epoch.number and optionally rln_identifier.utf8) and the signal (signal_hex,
or waku_message with payload_hex, content_topic and timestamp_ns). It proves
with the embedded RLN v2 proving key and witness graph, checks the proof, and
writes the object back with y, nullifier ({"le_hex": …}),
proof_compressed_hex, proof_values_hex and verify_input_hex added. "-o -"
writes to standard output.`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if vectorPath == "" || outPath == "" {
				return usageError{errors.New("rln prove needs --vector FILE.json and -o OUT.json")}
			}
			out, err := proveVectorFile(vectorPath)
			if err != nil {
				return fmt.Errorf("rln prove: %w", err)
			}
			if outPath == "-" {
				_, err = env.Stdout.Write(out)
				return err
			}
			if err := os.WriteFile(outPath, out, 0o644); err != nil {
				return fmt.Errorf("rln prove: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&vectorPath, "vector", "", "input `FILE.json` (a vector object without proof fields)")
	cmd.Flags().StringVarP(&outPath, "out", "o", "", "output `FILE.json`, or - for standard output")
	return cmd
}

// proveVectorFile proves the vector in path and returns the completed
// object as indented JSON.
func proveVectorFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("%s: want a JSON object: %w", path, err)
	}
	in, err := proveInputFromVector(obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	p, err := rln.NewProver()
	if err != nil {
		return nil, err
	}
	pv, err := p.Prove(in)
	if err != nil {
		return nil, err
	}
	proof := pv.Proof.EncodeCompressed()
	set := func(k string, v any) {
		b, _ := json.Marshal(v) // strings and maps of strings only
		obj[k] = b
	}
	set("y", fieldJSON(pv.Y))
	set("nullifier", fieldJSON(pv.Nullifier))
	set("proof_compressed_hex", hex.EncodeToString(proof[:]))
	set("proof_values_hex", hex.EncodeToString(pv.Encode()))
	set("verify_input_hex", hex.EncodeToString(rln.EncodeVerifyInput(pv, in.Signal)))
	out, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// fieldJSON is a field element as the vectors write it.
func fieldJSON(e fr.Element) map[string]string {
	var le [fr.Bytes]byte
	fr.LittleEndian.PutElement(&le, e)
	return map[string]string{"le_hex": hex.EncodeToString(le[:]), "dec": e.String()}
}

// proveInputFromVector reads the prover's inputs from a vector object.
func proveInputFromVector(obj map[string]json.RawMessage) (rln.ProveInput, error) {
	var in rln.ProveInput
	var err error
	if in.IdentitySecret, err = identitySecret(obj); err != nil {
		return in, err
	}
	if in.UserMessageLimit, err = uintField(obj, "user_message_limit"); err != nil {
		return in, err
	}
	if in.MessageID, err = uintField(obj, "message_id"); err != nil {
		return in, err
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(obj["path_elements"], &elems); err != nil {
		return in, fmt.Errorf("path_elements: want an array of field elements: %w", err)
	}
	for i, e := range elems {
		f, err := parseField(e)
		if err != nil {
			return in, fmt.Errorf("path_elements[%d]: %w", i, err)
		}
		in.Path.PathElements = append(in.Path.PathElements, f)
	}
	if err := json.Unmarshal(obj["identity_path_index"], &in.Path.PathIndex); err != nil {
		return in, fmt.Errorf("identity_path_index: want an array of 0 and 1: %w", err)
	}
	if in.ExternalNullifier, err = externalNullifier(obj); err != nil {
		return in, err
	}
	in.Signal, err = signal(obj)
	return in, err
}

func identitySecret(obj map[string]json.RawMessage) (fr.Element, error) {
	if raw, ok := obj["identity_secret"]; ok {
		return parseField(raw)
	}
	var id map[string]json.RawMessage
	if err := json.Unmarshal(obj["identity"], &id); err != nil {
		return fr.Element{}, errors.New("want identity (an object) or identity_secret")
	}
	if raw, ok := id["identity_secret_hash"]; ok {
		return parseField(raw)
	}
	trapdoor, err1 := parseField(id["identity_trapdoor"])
	nullifier, err2 := parseField(id["identity_nullifier"])
	if err := errors.Join(err1, err2); err != nil {
		return fr.Element{}, fmt.Errorf("identity: want identity_secret_hash, or identity_trapdoor and identity_nullifier: %w", err)
	}
	return rln.NewIdentity(trapdoor, nullifier).SecretHash, nil
}

func externalNullifier(obj map[string]json.RawMessage) (fr.Element, error) {
	if raw, ok := obj["external_nullifier"]; ok {
		return parseField(raw)
	}
	var epoch struct {
		Number *uint64 `json:"number"`
	}
	if err := json.Unmarshal(obj["epoch"], &epoch); err != nil || epoch.Number == nil {
		return fr.Element{}, errors.New("want external_nullifier, or epoch with a number")
	}
	id := rln.DefaultRLNIdentifier
	if raw, ok := obj["rln_identifier"]; ok {
		var v struct {
			UTF8 string `json:"utf8"`
		}
		if err := json.Unmarshal(raw, &v); err != nil || v.UTF8 == "" {
			return fr.Element{}, errors.New("rln_identifier: want {\"utf8\": …}")
		}
		id = v.UTF8
	}
	idf, err := rln.RLNIdentifierField(id)
	if err != nil {
		return fr.Element{}, err
	}
	return rln.ExternalNullifier(rln.EpochField(*epoch.Number), idf), nil
}

func signal(obj map[string]json.RawMessage) ([]byte, error) {
	if raw, ok := obj["signal_hex"]; ok {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("signal_hex: %w", err)
		}
		return hex.DecodeString(strings.TrimPrefix(s, "0x"))
	}
	var wm struct {
		PayloadHex   string `json:"payload_hex"`
		ContentTopic string `json:"content_topic"`
		TimestampNS  string `json:"timestamp_ns"`
	}
	if err := json.Unmarshal(obj["waku_message"], &wm); err != nil {
		return nil, errors.New("want signal_hex, or waku_message with payload_hex, content_topic and timestamp_ns")
	}
	payload, err := hex.DecodeString(wm.PayloadHex)
	if err != nil {
		return nil, fmt.Errorf("waku_message.payload_hex: %w", err)
	}
	ts, err := strconv.ParseInt(wm.TimestampNS, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("waku_message.timestamp_ns: %w", err)
	}
	return rlnrelay.Signal(message.Message{Payload: payload, ContentTopic: wm.ContentTopic, Timestamp: ts}), nil
}

// uintField reads a non-negative integer written as a JSON number or string.
func uintField(obj map[string]json.RawMessage, key string) (uint64, error) {
	raw, ok := obj[key]
	if !ok {
		return 0, fmt.Errorf("%s is missing", key)
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: want a non-negative integer, got %s", key, raw)
	}
	return v, nil
}

// parseField reads a field element written as {"le_hex": …} or {"dec": …},
// a decimal string, or a little-endian hex string with 0x.
func parseField(raw json.RawMessage) (fr.Element, error) {
	var obj struct {
		LEHex string `json:"le_hex"`
		Dec   string `json:"dec"`
	}
	var s string
	switch {
	case json.Unmarshal(raw, &obj) == nil && obj.LEHex != "":
		s = "0x" + obj.LEHex
	case json.Unmarshal(raw, &obj) == nil && obj.Dec != "":
		s = obj.Dec
	case json.Unmarshal(raw, &s) == nil:
	default:
		return fr.Element{}, fmt.Errorf("want {\"le_hex\": …}, {\"dec\": …} or a string, got %.40s", raw)
	}
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		b, err := hex.DecodeString(h)
		if err != nil {
			return fr.Element{}, err
		}
		return rln.DecodeField(b)
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.Sign() < 0 || v.Cmp(fr.Modulus()) >= 0 {
		return fr.Element{}, fmt.Errorf("%q is not a canonical field element", s)
	}
	var e fr.Element
	e.SetBigInt(v)
	return e, nil
}
