package node

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cairn-node/cairn/node/relay/rln"
	"github.com/cairn-node/cairn/node/relay/rln/membership"
	"github.com/cairn-node/cairn/node/relay/rlnrelay"
)

// SlashingDir is the directory under <data_dir>/rln where the node writes
// one SlashingRecord per member caught double signalling.
const SlashingDir = "slashing"

// maxSlashingLimit bounds the user message limits tried when looking for a
// spammer's leaf: the circuit's range check allows limits below 2^16.
const maxSlashingLimit = 1 << 16

// SlashingRecord is what slashing a spammer's membership needs: its
// identity commitment and secret (the proof of the double signal), and,
// when the node found it in the tree, its leaf index and message limit. It
// is written as JSON with mode 0600, since the secret lets anyone make the
// member's proofs.
type SlashingRecord struct {
	Epoch            uint64  `json:"epoch"`
	Nullifier        string  `json:"nullifier"`
	IDCommitment     string  `json:"id_commitment"`
	IdentitySecret   string  `json:"identity_secret_hash"`
	Index            *uint64 `json:"index,omitempty"`
	UserMessageLimit uint64  `json:"user_message_limit,omitempty"`
	// Contract and ChainID name the membership contract, empty for a
	// static membership.
	Contract string `json:"contract,omitempty"`
	ChainID  string `json:"chain_id,omitempty"`
}

// slashingRecord builds the record of sp: the member's leaf is found by
// trying each user message limit below 2^16 against the group's leaves
// (up to 65,536 Poseidon hashes, about a second; run it off the
// validation path).
func slashingRecord(sp rlnrelay.Spam, g *membership.Group, contract, chainID string) SlashingRecord {
	idc := rln.IDCommitment(sp.Secret)
	r := SlashingRecord{
		Epoch: sp.Epoch, Nullifier: hex.EncodeToString(sp.Nullifier[:]),
		IDCommitment: membership.FormatField(idc), IdentitySecret: membership.FormatField(sp.Secret),
		Contract: contract, ChainID: chainID,
	}
	for limit := uint64(1); limit < maxSlashingLimit; limit++ {
		if idx, ok := g.IndexOf(rln.RateCommitment(idc, limit)); ok {
			r.Index, r.UserMessageLimit = &idx, limit
			break
		}
	}
	return r
}

// writeSlashingRecord stores r in dir as <epoch>-<nullifier>.json.
func writeSlashingRecord(dir string, r SlashingRecord) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%d-%s.json", r.Epoch, r.Nullifier[:16]))
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return "", err
	}
	return path, nil
}
