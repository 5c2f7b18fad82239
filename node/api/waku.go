package api

import (
	"encoding/json"
	"errors"
)

// nwaku-compatible paths, served with the same JSON as nwaku so tools
// written for nwaku (dashboards, monitoring scripts) work against Cairn.
const (
	// WakuHealthPath serves HealthReport: 200 when the node is ready,
	// 503 otherwise.
	WakuHealthPath = "/health"
	// WakuDebugInfoPath serves DebugInfo.
	WakuDebugInfoPath = "/debug/v1/info"
	// WakuDebugVersionPath serves the build version as a JSON string.
	WakuDebugVersionPath = "/debug/v1/version"
)

// Health states, as nwaku spells them.
const (
	HealthInitializing  = "Initializing"
	HealthSynchronizing = "Synchronizing"
	HealthReady         = "Ready"
	HealthNotReady      = "Not Ready"
	HealthNotMounted    = "Not mounted"
	HealthShuttingDown  = "Shutting down"
)

// HealthReport is the body of GET /health, nwaku's readiness report.
type HealthReport struct {
	// NodeHealth is HealthReady when every mounted protocol is ready.
	NodeHealth string `json:"nodeHealth"`
	// ProtocolsHealth has one entry per protocol, in a fixed order.
	ProtocolsHealth []ProtocolHealth `json:"protocolsHealth"`
}

// ProtocolHealth is the state of one protocol; in JSON it is an object
// with one key, the protocol's name, as in {"Rln Relay": "Ready"}.
type ProtocolHealth struct {
	Protocol string
	Health   string
}

// MarshalJSON writes {"<Protocol>": "<Health>"}.
func (p ProtocolHealth) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{p.Protocol: p.Health})
}

// UnmarshalJSON reads an object with exactly one string field.
func (p *ProtocolHealth) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if len(m) != 1 {
		return errors.New("api: protocol health wants exactly one field, the protocol's name")
	}
	for k, v := range m {
		p.Protocol, p.Health = k, v
	}
	return nil
}

// DebugInfo is the body of GET /debug/v1/info.
type DebugInfo struct {
	// ListenAddresses are the node's libp2p addresses, each ending in
	// /p2p/<peer id>.
	ListenAddresses []string `json:"listenAddresses"`
	// ENRURI is the node's Waku ENR in text form ("enr:-…"), empty when
	// the node has none.
	ENRURI string `json:"enrUri,omitempty"`
}

// Ready reports whether r says the node is ready. It exists so clients need
// not compare strings.
func (r HealthReport) Ready() bool { return r.NodeHealth == HealthReady }
