package cli

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"

	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
	"github.com/cairn-node/cairn/node/relay/rln/membership/keystore"
	"github.com/cairn-node/cairn/node/relay/rln/membership/onchain"
)

// EnvEthKey names the variable holding the hex secp256k1 key that pays for
// `cairn rln register`.
const EnvEthKey = "CAIRN_ETH_KEY"

// keystorePassword reads the keystore password from CAIRN_RLN_PASSWORD.
func keystorePassword(env *Env) (string, error) {
	pw := env.Getenv(node.EnvRLNPassword)
	if pw == "" {
		return "", fmt.Errorf("set %s to the keystore password (the node reads the same variable)", node.EnvRLNPassword)
	}
	return pw, nil
}

// keygenResult is what `cairn rln keygen` prints.
type keygenResult struct {
	Keystore     string `json:"keystore"`
	IDCommitment string `json:"id_commitment"`
	// Member is the entry to add to a static membership file.
	Member membership.StaticMember `json:"member"`
}

func newRLNKeygenCmd(env *Env) *cobra.Command {
	var path string
	var limit, index uint64
	cmd := &cobra.Command{
		Use:   "keygen --keystore FILE",
		Short: "Create an RLN identity and store it in an (nwaku-format) keystore",
		Long: `keygen draws a new RLN identity, encrypts it with the password in
CAIRN_RLN_PASSWORD and adds it to the keystore FILE (created with mode 0600; nwaku's
format). It prints the identity commitment and the entry that adds the member
to a static membership file (waku.rln.membership); for the chain, run
'cairn rln register' next. Point waku.rln.keystore at FILE so the node proves
its own messages.`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" {
				return usageError{errors.New("rln keygen needs --keystore FILE")}
			}
			if limit == 0 {
				return usageError{errors.New("--limit must be at least 1")}
			}
			pw, err := keystorePassword(env)
			if err != nil {
				return fmt.Errorf("rln keygen: %w", err)
			}
			id, err := rln.GenerateIdentity()
			if err != nil {
				return fmt.Errorf("rln keygen: %w", err)
			}
			cred := keystore.Credential{Identity: id, TreeIndex: index, UserMessageLimit: limit}
			if err := keystore.Add(path, pw, cred, keystore.Options{}); err != nil {
				return fmt.Errorf("rln keygen: %w", err)
			}
			idx := index
			res := keygenResult{Keystore: path, IDCommitment: membership.FormatField(id.Commitment),
				Member: membership.StaticMember{IDCommitment: membership.FormatField(id.Commitment), UserMessageLimit: limit, Index: &idx}}
			return printJSON(env, res)
		},
	}
	cmd.Flags().StringVar(&path, "keystore", "", "keystore `FILE` to add the identity to")
	cmd.Flags().Uint64Var(&limit, "limit", 100, "user message limit (messages per epoch) of the membership")
	cmd.Flags().Uint64Var(&index, "index", 0, "leaf index in a static membership file")
	return cmd
}

// registerResult is what `cairn rln register` prints.
type registerResult struct {
	Keystore     string `json:"keystore"`
	IDCommitment string `json:"id_commitment"`
	ChainID      string `json:"chain_id"`
	Contract     string `json:"contract"`
	Index        uint64 `json:"index"`
	TxHash       string `json:"tx_hash"`
	Block        uint64 `json:"block"`
}

func newRLNRegisterCmd(env *Env) *cobra.Command {
	var path, rpcURL, contract string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "register --keystore FILE --eth-rpc URL --contract 0x…",
		Short: "Register the keystore's RLN identity with the membership contract",
		Long: `register sends register(id_commitment, user_message_limit, []) for the first
identity in the keystore FILE (see 'cairn rln keygen') to the RLN membership
contract, paid by the key in CAIRN_ETH_KEY (hex), waits until it is mined,
and stores the membership (chain id, contract, leaf index) in the keystore.
With the real Waku contract the paying account must have approved the
membership price first.`,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if path == "" || rpcURL == "" || contract == "" {
				return usageError{errors.New("rln register needs --keystore, --eth-rpc and --contract")}
			}
			if !common.IsHexAddress(contract) {
				return usageError{fmt.Errorf("--contract %q is not an address (0x and 40 hex digits)", contract)}
			}
			key, err := ethKey(env)
			if err != nil {
				return fmt.Errorf("rln register: %w", err)
			}
			pw, err := keystorePassword(env)
			if err != nil {
				return fmt.Errorf("rln register: %w", err)
			}
			creds, err := keystore.Load(path, pw)
			if err != nil {
				return fmt.Errorf("rln register: %w", err)
			}
			if len(creds) == 0 {
				return fmt.Errorf("rln register: %s holds no identity; run 'cairn rln keygen' first", path)
			}
			cred := creds[0]
			if cred.UserMessageLimit > 1<<32-1 {
				return fmt.Errorf("rln register: user message limit %d does not fit the contract's uint32", cred.UserMessageLimit)
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			client, err := ethclient.DialContext(ctx, rpcURL)
			if err != nil {
				return fmt.Errorf("rln register: --eth-rpc %s: %w", rpcURL, err)
			}
			defer client.Close()
			chainID, err := client.ChainID(ctx)
			if err != nil {
				return fmt.Errorf("rln register: --eth-rpc %s: chain id: %w", rpcURL, err)
			}
			addr := common.HexToAddress(contract)
			fmt.Fprintf(env.Stderr, "registering %s on chain %s, waiting for the transaction to be mined…\n", membership.FormatField(cred.Identity.Commitment), chainID)
			reg, err := onchain.Register(ctx, client, addr, key, chainID, cred.Identity, uint32(cred.UserMessageLimit))
			if err != nil {
				return fmt.Errorf("rln register: %w", err)
			}
			cred.ChainID, cred.Contract, cred.TreeIndex = chainID.String(), addr.Hex(), reg.Index
			if err := keystore.Add(path, pw, cred, keystore.Options{}); err != nil {
				return fmt.Errorf("rln register: registered as leaf %d, but saving the membership failed: %w", reg.Index, err)
			}
			return printJSON(env, registerResult{Keystore: path, IDCommitment: membership.FormatField(cred.Identity.Commitment),
				ChainID: cred.ChainID, Contract: cred.Contract, Index: reg.Index, TxHash: reg.TxHash.Hex(), Block: reg.Block})
		},
	}
	cmd.Flags().StringVar(&path, "keystore", "", "keystore `FILE` holding the identity")
	cmd.Flags().StringVar(&rpcURL, "eth-rpc", "", "Ethereum JSON-RPC `URL` of the chain")
	cmd.Flags().StringVar(&contract, "contract", "", "membership contract `address`")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "how long to wait for the transaction")
	return cmd
}

// ethKey reads the paying key from CAIRN_ETH_KEY.
func ethKey(env *Env) (*ecdsa.PrivateKey, error) {
	s := strings.TrimPrefix(strings.TrimSpace(env.Getenv(EnvEthKey)), "0x")
	if s == "" {
		return nil, fmt.Errorf("set %s to the hex private key of the account that pays for the registration", EnvEthKey)
	}
	k, err := crypto.HexToECDSA(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvEthKey, err)
	}
	return k, nil
}

// printJSON writes v indented to stdout.
func printJSON(env *Env, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
	return err
}
