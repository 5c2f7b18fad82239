package bench

import "testing"

// TestRelayCaseRepeats runs waku-relay-rln with 4 messages three times: the
// same proofs must be delivered and accepted again in every call (new Meta,
// fresh validator), or the call fails.
func TestRelayCaseRepeats(t *testing.T) {
	runOnGo(t, "waku-relay-rln", relaySetup(4), 4, 3)
}
