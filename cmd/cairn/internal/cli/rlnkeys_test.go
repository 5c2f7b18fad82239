package cli_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	gethnode "github.com/ethereum/go-ethereum/node"

	"github.com/cairn-node/cairn/cmd/cairn/internal/cli"
	"github.com/cairn-node/cairn/node"
	"github.com/cairn-node/cairn/node/api"
	"github.com/cairn-node/cairn/node/config"
	"github.com/cairn-node/cairn/node/relay/rln/membership/keystore"
)

// simChain is go-ethereum's simulated chain served over HTTP JSON-RPC on
// 127.0.0.1, with our RLN membership mock contract deployed and a block
// committed every 100 ms.
type simChain struct {
	url, contract, payerHex string
}

func newSimChain(t *testing.T) simChain {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	key, _ := crypto.GenerateKey()
	from := crypto.PubkeyToAddress(key.PublicKey)
	ether := new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)
	sim := simulated.NewBackend(types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(100), ether)}},
		func(nc *gethnode.Config, _ *ethconfig.Config) {
			nc.HTTPHost, nc.HTTPPort, nc.HTTPModules = "127.0.0.1", port, []string{"eth", "net", "web3"}
		})
	t.Cleanup(func() { sim.Close() })
	client := sim.Client()
	chainID, err := client.ChainID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hexCode, err := os.ReadFile("../../../../node/relay/rln/membership/onchain/testdata/RLNMembershipMock.bin")
	if err != nil {
		t.Fatal(err)
	}
	code, err := hex.DecodeString(strings.TrimSpace(string(hexCode)))
	if err != nil {
		t.Fatal(err)
	}
	opts := bind.NewKeyedTransactor(key, chainID)
	opts.GasLimit = 3_000_000
	addr, _, err := bind.DeployContract(opts, code, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	sim.Commit()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(100 * time.Millisecond):
				sim.Commit()
			}
		}
	}()
	t.Cleanup(func() { close(done); <-stopped })
	return simChain{url: fmt.Sprintf("http://127.0.0.1:%d", port), contract: addr.Hex(), payerHex: hex.EncodeToString(crypto.FromECDSA(key))}
}

func runCLI(t *testing.T, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := cli.Main(context.Background(), cli.Env{Args: args, Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }})
	return stdout.String(), stderr.String(), code
}

// TestRLNKeygenRegisterOnChain: keygen writes a keystore, register puts the
// identity on the simulated chain and records its leaf, and a node with
// that chain as its membership source syncs the tree and proves its own
// messages with it.
func TestRLNKeygenRegisterOnChain(t *testing.T) {
	chain := newSimChain(t)
	dir := t.TempDir()
	ks := filepath.Join(dir, "keystore.json")
	env := map[string]string{node.EnvRLNPassword: "pw", cli.EnvEthKey: chain.payerHex}

	if _, stderr, code := runCLI(t, map[string]string{}, "rln", "keygen", "--keystore", ks); code == cli.ExitOK || !strings.Contains(stderr, node.EnvRLNPassword) {
		t.Errorf("keygen without a password: exit %d, %q; want an error naming %s", code, stderr, node.EnvRLNPassword)
	}
	out, stderr, code := runCLI(t, env, "rln", "keygen", "--keystore", ks, "--limit", "20")
	if code != cli.ExitOK {
		t.Fatalf("keygen: exit %d: %s", code, stderr)
	}
	var kg struct {
		IDCommitment string `json:"id_commitment"`
		Member       struct {
			UserMessageLimit uint64 `json:"user_message_limit"`
		} `json:"member"`
	}
	if err := json.Unmarshal([]byte(out), &kg); err != nil || !strings.HasPrefix(kg.IDCommitment, "0x") || kg.Member.UserMessageLimit != 20 {
		t.Fatalf("keygen printed %s (%v)", out, err)
	}

	out, stderr, code = runCLI(t, env, "rln", "register", "--keystore", ks, "--eth-rpc", chain.url, "--contract", chain.contract)
	if code != cli.ExitOK {
		t.Fatalf("register: exit %d: %s", code, stderr)
	}
	var reg struct {
		IDCommitment string `json:"id_commitment"`
		ChainID      string `json:"chain_id"`
		Index        uint64 `json:"index"`
	}
	if err := json.Unmarshal([]byte(out), &reg); err != nil || reg.IDCommitment != kg.IDCommitment || reg.Index != 0 {
		t.Fatalf("register printed %s (%v)", out, err)
	}
	creds, err := keystore.Load(ks, "pw")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keystore.Find(creds, reg.ChainID, chain.contract); err != nil {
		t.Fatalf("keystore after register: %v", err)
	}

	// A node on that chain: membership synced from events, own proofs.
	t.Setenv(node.EnvRLNPassword, "pw")
	cfg := config.Default()
	cfg.DataDir, cfg.APIAddr, cfg.Listen = filepath.Join(dir, "node"), "127.0.0.1:0", []string{"/ip4/127.0.0.1/tcp/0"}
	cfg.Waku.RLN = config.RLN{Enabled: true, EthRPC: chain.url, Contract: chain.contract, Keystore: ks, UserMessageLimit: 20, Epoch: "10m"}
	n, err := node.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(n.URL() + api.WakuHealthPath)
		if err != nil {
			t.Fatal(err)
		}
		var h api.HealthReport
		json.NewDecoder(resp.Body).Decode(&h)
		resp.Body.Close()
		if h.Ready() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health never ready: %+v", h)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The relay's own RLN validator accepts the node's message only if the
	// proof is valid and its root is the synced tree's.
	for {
		body := `{"payload": "aGVsbG8=", "contentTopic": "/cairn/1/chain/proto"}`
		resp, err := http.Post(n.URL()+"/relay/v1/auto/messages", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("publish with an on-chain membership = %d %s", resp.StatusCode, msg)
		}
		time.Sleep(300 * time.Millisecond) // the tree may lag the chain by a few blocks
	}
}
