package config

import (
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Waku configures the Waku services (TOML table [waku]). Its defaults live
// in the embedded default file, like every other key; EnsureDefaults gives
// a Config built by hand with a zero Waku the default table.
type Waku struct {
	// ClusterID is the Waku cluster the node joins; peers on another
	// cluster are disconnected by the metadata handshake. The Waku
	// Network is cluster 1. Default: 1. Env CAIRN_WAKU_CLUSTER_ID.
	ClusterID uint16 `toml:"cluster_id"`
	// Shards is the number of autosharding shards of the cluster; the node
	// relays all of them (/waku/2/rs/<cluster>/0 … <shards-1>). Default: 8.
	Shards uint16 `toml:"shards"`
	// Store archives relayed messages in <data_dir>/waku-store and serves
	// store v3 queries. Default: true.
	Store bool `toml:"store"`
	// StoreMaxAge drops archived messages older than this Go duration.
	// Default: 48h (nwaku's default retention: 2 days).
	StoreMaxAge string `toml:"store_max_age"`
	// StoreMaxSize caps the archive's size (a size with a unit); the
	// oldest messages go first. Default: 1GiB.
	StoreMaxSize string `toml:"store_max_size"`
	// Filter serves filter v2 subscriptions to light clients. Default: true.
	Filter bool `toml:"filter"`
	// Lightpush serves lightpush v3 and v2 to light clients. Default: true.
	Lightpush bool `toml:"lightpush"`
	// PeerExchange serves peer exchange (ENRs of known peers) to light
	// clients. Default: true.
	PeerExchange bool `toml:"peer_exchange"`
	// Discv5 runs discv5 discovery on UDP port Discv5Port. Default: false
	// (it talks to the bootnodes, i.e. to the internet).
	Discv5 bool `toml:"discv5"`
	// Discv5Port is the discv5 UDP port; 0 picks a free one. Default: 9000.
	Discv5Port uint16 `toml:"discv5_port"`
	// Discv5Bootnodes are ENRs ("enr:-…") that discv5 starts from.
	Discv5Bootnodes []string `toml:"discv5_bootnodes"`
	// DNSDiscovery lists EIP-1459 trees ("enrtree://KEY@domain") whose
	// nodes the node dials at start. Default: none.
	DNSDiscovery []string `toml:"dns_discovery"`
	// RLN configures rate-limit nullifiers (TOML table [waku.rln]).
	RLN RLN `toml:"rln"`
}

// RLN configures RLN v2 spam protection: which messages the relay accepts
// and how the node proves its own.
type RLN struct {
	// Enabled makes the relay validate every message's RLN proof and drop
	// messages without a valid one. It needs a membership source
	// (Membership or EthRPC+Contract). Default: false.
	Enabled bool `toml:"enabled"`
	// Membership is a static membership file (JSON, see
	// node/relay/rln/membership) for private networks and tests.
	Membership string `toml:"membership"`
	// EthRPC is an Ethereum JSON-RPC URL (http, https, ws) of the chain
	// that holds the RLN membership contract.
	EthRPC string `toml:"eth_rpc"`
	// Contract is the RLN membership contract's address (0x…).
	Contract string `toml:"contract"`
	// Keystore is the file that holds this node's RLN identity and
	// membership, used to prove the node's own messages. Empty: the node
	// relays and validates but publishes without proofs.
	Keystore string `toml:"keystore"`
	// UserMessageLimit is the messages per epoch of this node's membership.
	// Default: 100.
	UserMessageLimit uint64 `toml:"user_message_limit"`
	// Epoch is the RLN epoch length as a Go duration. Default: 10m (the
	// Waku Network's 600 s).
	Epoch string `toml:"epoch"`
}

// EpochDuration returns RLN.Epoch (0 when invalid; Validate reports it).
func (r RLN) EpochDuration() time.Duration {
	d, _ := time.ParseDuration(r.Epoch)
	return d
}

// StoreMaxAgeDuration returns Waku.StoreMaxAge (0 when invalid).
func (w Waku) StoreMaxAgeDuration() time.Duration {
	d, _ := time.ParseDuration(w.StoreMaxAge)
	return d
}

// StoreMaxSizeBytes returns Waku.StoreMaxSize in bytes (0 when invalid).
func (w Waku) StoreMaxSizeBytes() uint64 {
	n, _ := ParseSize(w.StoreMaxSize)
	return n
}

// validate appends one problem per bad [waku] key through bad.
func (w Waku) validate(bad func(key, value, problem string)) {
	if w.Shards == 0 || w.Shards > 1024 {
		bad("waku.shards", fmt.Sprint(w.Shards), "want 1 to 1024 shards (the Waku Network has 8)")
	}
	if d, err := time.ParseDuration(w.StoreMaxAge); w.Store && (err != nil || d <= 0) {
		bad("waku.store_max_age", w.StoreMaxAge, "want a positive duration such as 48h")
	}
	if n, err := ParseSize(w.StoreMaxSize); w.Store && (err != nil || n == 0) {
		bad("waku.store_max_size", w.StoreMaxSize, "want a positive size such as 1GiB")
	}
	for i, e := range w.Discv5Bootnodes {
		if !strings.HasPrefix(e, "enr:") {
			bad(fmt.Sprintf("waku.discv5_bootnodes[%d]", i), e, "want an ENR in text form, starting with enr:")
		}
	}
	for i, u := range w.DNSDiscovery {
		if !strings.HasPrefix(u, "enrtree://") {
			bad(fmt.Sprintf("waku.dns_discovery[%d]", i), u, "want an EIP-1459 tree URL such as enrtree://<public key>@<domain>")
		}
	}
	r := w.RLN
	if d, err := time.ParseDuration(r.Epoch); err != nil || d < time.Second {
		bad("waku.rln.epoch", r.Epoch, "want a duration of at least 1s, such as 10m")
	}
	if r.UserMessageLimit == 0 {
		bad("waku.rln.user_message_limit", "0", "want at least 1 message per epoch")
	}
	if r.Enabled && r.Membership == "" && (r.EthRPC == "" || r.Contract == "") {
		bad("waku.rln.enabled", "true", "RLN needs members: set waku.rln.membership to a membership file, or waku.rln.eth_rpc and waku.rln.contract")
	}
	if (r.EthRPC == "") != (r.Contract == "") {
		bad("waku.rln.contract", r.Contract, "set both waku.rln.eth_rpc and waku.rln.contract, or neither")
	}
	if c := r.Contract; c != "" && (len(c) != 42 || !strings.HasPrefix(c, "0x")) {
		bad("waku.rln.contract", c, "want a 20-byte address written 0x followed by 40 hex digits")
	}
}

// overlayTagged copies into dst every field of src, recursively through
// nested structs, whose dotted TOML key (prefix + tag) set reports as
// present. It serves the [waku] and [farm] tables, whose keys are set in files and
// rarely elsewhere.
func overlayTagged(dst, src reflect.Value, prefix string, set func(key string) bool) {
	t := dst.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		key := prefix + tag
		df, sf := dst.Field(i), src.Field(i)
		if df.Kind() == reflect.Struct {
			overlayTagged(df, sf, key+".", set)
			continue
		}
		if !set(key) {
			continue
		}
		if sf.Kind() == reflect.Slice {
			df.Set(reflect.Zero(sf.Type()))
			if sf.Len() > 0 {
				df.Set(reflect.AppendSlice(reflect.MakeSlice(sf.Type(), 0, sf.Len()), sf))
			}
			continue
		}
		df.Set(sf)
	}
}
