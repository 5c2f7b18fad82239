package filter

import "fmt"

// Status codes of SubscribeResponse (nwaku FilterSubscribeErrorKind,
// waku_filter_v2/common.nim). js-waku treats 200–299 as success.
const (
	StatusOK                 uint32 = 200
	StatusBadResponse        uint32 = 300
	StatusBadRequest         uint32 = 400
	StatusNotFound           uint32 = 404
	StatusTooManyRequests    uint32 = 429
	StatusServiceUnavailable uint32 = 503
	StatusPeerDialFailure    uint32 = 504
)

// statusKind returns nwaku's name of a status code, used as the prefix of
// status descriptions ("NOT_FOUND: peer has no subscriptions").
func statusKind(code uint32) string {
	switch code {
	case StatusBadResponse:
		return "BAD_RESPONSE"
	case StatusBadRequest:
		return "BAD_REQUEST"
	case StatusNotFound:
		return "NOT_FOUND"
	case StatusTooManyRequests:
		return "TOO_MANY_REQUESTS"
	case StatusServiceUnavailable:
		return "SERVICE_UNAVAILABLE"
	case StatusPeerDialFailure:
		return "PEER_DIAL_FAILURE"
	}
	return "UNKNOWN"
}

// StatusError is a non-200 answer of a filter service: the Client returns
// it for error responses, and the server's request handling produces it.
// Check for it with errors.As.
type StatusError struct {
	// Code is the response's status_code.
	Code uint32
	// Desc is the response's status_desc ("" when absent).
	Desc string
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("filter: service answered %d: %s", e.Code, e.Desc)
}

// statusErr builds the error nwaku's FilterSubscribeError would give:
// Desc is "<KIND>: <cause>".
func statusErr(code uint32, cause string) *StatusError {
	return &StatusError{Code: code, Desc: statusKind(code) + ": " + cause}
}

// nwaku's causes, kept verbatim: clients may match on them.
const (
	causeNoSubscriptions  = "peer has no subscriptions"
	causeTopicsRequired   = "pubsubTopic and contentTopics must be specified"
	causeTooManyTopics    = "exceeds maximum content topics: "
	causeMaxCriteria      = "peer has reached maximum number of filter criteria"
	causeMaxPeers         = "node has reached maximum number of subscriptions: "
	descRateLimited       = "filter request rejected due rate limit exceeded"
	requestIDNotAvailable = "N/A"
)
