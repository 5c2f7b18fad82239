package api

// NodeStatus is a read-only summary of a running node for dashboards: its
// build, uptime, storage use, relay and proof counters and the accel
// backends it found. The node returns it from Node.Status; it has no route
// of its own (the appliance dashboard serves it with system statistics).
//
// Counters come from the node's metrics registry and are totals since the
// node started; a counter whose subsystem is off (RLN, say) is 0.
type NodeStatus struct {
	// Version, Revision, GoVersion and Platform describe the build (see
	// package buildinfo).
	Version   string `json:"version"`
	Revision  string `json:"revision"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	// UptimeS is the time since the node started, in seconds.
	UptimeS float64 `json:"uptime_s"`
	// PeerID is the libp2p peer ID; empty before Start.
	PeerID string `json:"peer_id"`
	// Peers is the number of connected libp2p peers.
	Peers int `json:"peers"`
	// DataDir is the absolute data directory.
	DataDir string `json:"data_dir"`
	// Storage is the dataset store's use.
	Storage StorageStatus `json:"storage"`
	// Relay counts Waku relay traffic.
	Relay RelayStatus `json:"relay"`
	// Proofs counts storage-proof self-checks and RLN proofs.
	Proofs ProofStatus `json:"proofs"`
	// Accel lists the accel backends of this build, available or not,
	// and which kernels each one can run. Never null.
	Accel []AccelBackend `json:"accel"`
}

// StorageStatus is the dataset store's use.
type StorageStatus struct {
	// Datasets is the number of stored datasets.
	Datasets int `json:"datasets"`
	// DatasetBytes sums the sizes of the stored datasets (blocks shared
	// by several datasets count once per dataset).
	DatasetBytes uint64 `json:"dataset_bytes"`
	// Blocks counts distinct stored blocks, manifests included.
	Blocks uint64 `json:"blocks"`
	// UsedBytes is the block bytes held against the quota, each block
	// counted once.
	UsedBytes uint64 `json:"used_bytes"`
	// ReservedBytes is held by uploads in progress.
	ReservedBytes uint64 `json:"reserved_bytes"`
	// QuotaBytes is the most block bytes the store keeps.
	QuotaBytes uint64 `json:"quota_bytes"`
	// Uploads and Downloads count REST transfers that succeeded.
	Uploads   uint64 `json:"uploads"`
	Downloads uint64 `json:"downloads"`
}

// RelayStatus counts Waku relay traffic.
type RelayStatus struct {
	// Peers is the number of relay peers over all shards.
	Peers int `json:"peers"`
	// Messages is the number of messages received on the node's relay
	// subscriptions.
	Messages uint64 `json:"messages"`
	// RLNAccepted, RLNIgnored and RLNRejected count the RLN validator's
	// verdicts; RLNSpam counts members caught signalling twice in an epoch.
	RLNAccepted uint64 `json:"rln_accepted"`
	RLNIgnored  uint64 `json:"rln_ignored"`
	RLNRejected uint64 `json:"rln_rejected"`
	RLNSpam     uint64 `json:"rln_spam"`
}

// ProofStatus counts proofs made and checked by the node.
type ProofStatus struct {
	// SelfCheckPassing is the number of datasets whose last storage-proof
	// self-check passed; SelfCheckDatasets how many were checked at all.
	SelfCheckPassing  int `json:"selfcheck_passing"`
	SelfCheckDatasets int `json:"selfcheck_datasets"`
	// SelfCheckFailures counts failed storage-proof self-checks.
	SelfCheckFailures uint64 `json:"selfcheck_failures"`
	// RLNProofs counts RLN proofs made for the node's own messages.
	RLNProofs uint64 `json:"rln_proofs"`
	// StorageProofs counts storage proofs made (REST and self-checks);
	// StorageProofsFarm those whose Groth16 part a prover farm made.
	StorageProofs     uint64 `json:"storage_proofs"`
	StorageProofsFarm uint64 `json:"storage_proofs_farm"`
}

// AccelBackend is one accel backend of the build.
type AccelBackend struct {
	// Name is the backend ("go", "simd", "icicle").
	Name string `json:"name"`
	// Available is true when the backend runs at least one kernel here.
	Available bool `json:"available"`
	// Kernels lists the kernels it can run here. Never null.
	Kernels []string `json:"kernels"`
	// Reason says why it is unavailable, when it is.
	Reason string `json:"reason,omitempty"`
}
