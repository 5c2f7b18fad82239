package config

import (
	"net/url"
	"time"
)

// EnvFarmURL names the environment variable of Farm.URL.
const EnvFarmURL = "CAIRN_FARM_URL"

// Farm configures the node's use of a prover farm (TOML table [farm]):
// `cairn prover` workers behind a NATS JetStream server. The node submits
// jobs and checks every result before use.
type Farm struct {
	// URL is the farm's NATS server, e.g. nats://10.0.0.5:4222 (what
	// `cairn prover` prints). Empty (the default): no farm, the node proves
	// everything itself. Env CAIRN_FARM_URL.
	URL string `toml:"url"`
	// RLNProofs sends the proofs of the node's own Waku messages to the
	// farm. Their jobs carry the node's RLN identity secret: use a farm of
	// your own machines only. Default: true.
	RLNProofs bool `toml:"rln_proofs"`
	// Timeout is how long the node waits for a farm result, as a Go
	// duration; after it (or on any farm error) the node proves locally.
	// Default: 10s.
	Timeout string `toml:"timeout"`
	// StorageProofs sends the Groth16 part of the node's storage proofs
	// (REST /proofs and the self-check) to the farm; the node still reads
	// the cells and builds the witness. Workers prove under the node's own
	// keys, so copy the node's <data_dir>/proofs/keys/*.keys files into
	// each worker's key directory (`cairn prover --storage-keys`). The
	// jobs carry the sampled cells. Default: false.
	StorageProofs bool `toml:"storage_proofs"`
	// StorageTimeout is Timeout for storage proofs, which take longer
	// (seconds per proof on a CPU worker, more for many samples).
	// Default: 2m.
	StorageTimeout string `toml:"storage_timeout"`
}

// StorageTimeoutDuration returns Farm.StorageTimeout (0 when invalid;
// Validate reports it).
func (f Farm) StorageTimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(f.StorageTimeout)
	return d
}

// TimeoutDuration returns Farm.Timeout (0 when invalid; Validate reports it).
func (f Farm) TimeoutDuration() time.Duration {
	d, _ := time.ParseDuration(f.Timeout)
	return d
}

// validate appends one problem per bad [farm] key through bad.
func (f Farm) validate(bad func(key, value, problem string)) {
	if f.URL != "" {
		u, err := url.Parse(f.URL)
		if err != nil || u.Host == "" || (u.Scheme != "nats" && u.Scheme != "tls" && u.Scheme != "ws" && u.Scheme != "wss") {
			bad("farm.url", f.URL, "want a NATS URL such as nats://127.0.0.1:4222 (schemes nats, tls, ws, wss), or \"\" for no farm")
		}
	}
	if d, err := time.ParseDuration(f.Timeout); err != nil || d <= 0 {
		bad("farm.timeout", f.Timeout, "want a positive duration such as 10s")
	}
	if d, err := time.ParseDuration(f.StorageTimeout); err != nil || d <= 0 {
		bad("farm.storage_timeout", f.StorageTimeout, "want a positive duration such as 2m")
	}
}
