package lightpush

import (
	"errors"
	"fmt"
)

// Status codes of lightpush v3 (nwaku LightPushSuccessCode and
// LightPushErrorCode, waku_lightpush/common.nim). js-waku treats every
// code other than StatusOK as a rejection.
const (
	StatusOK                    uint32 = 200
	StatusBadRequest            uint32 = 400
	StatusPayloadTooLarge       uint32 = 413
	StatusInvalidMessage        uint32 = 420
	StatusUnsupportedPubsub     uint32 = 421
	StatusTooManyRequests       uint32 = 429
	StatusInternalServerError   uint32 = 500
	StatusServiceNotAvailable   uint32 = 503
	StatusOutOfRLNProof         uint32 = 504
	StatusNoPeersToRelay        uint32 = 505
	requestIDNotAvailable              = "N/A"
	descNoPeers                        = "No peers for topic, skipping publish"
	descStaticShardingNeedTopic        = "Pubsub topic must be specified when static sharding is enabled"
)

// StatusError is a lightpush failure with its v3 status code. The Client
// returns it for error responses (and for a 200 that reached no relay
// peer, as nwaku's client does: StatusNoPeersToRelay). A Publisher may
// return one (wrapped or not) to choose the code the server answers,
// e.g. StatusOutOfRLNProof when no RLN proof can be made.
type StatusError struct {
	// Code is the v3 status code.
	Code uint32
	// Desc is the status description ("" when absent).
	Desc string
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("lightpush: status %d: %s", e.Code, e.Desc)
}

// Errors of the clients.
var (
	// ErrRequestIDMismatch is returned when a response names another
	// request; 429 responses, which carry "N/A", are exempt.
	ErrRequestIDMismatch = errors.New("lightpush: response request id mismatch")
	// ErrRejected is wrapped by PushLegacy when the service answers
	// is_success = false; the error text ends with the service's info.
	ErrRejected = errors.New("lightpush: push rejected")
	// ErrClosed is answered (as 503) after the Server's Close.
	ErrClosed = errors.New("lightpush: closed")
)
