package farm

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// FuzzDecodeJobEnvelope checks that decoding never panics, that whatever
// decodes round-trips, and that a decoded submitter can only make result
// subjects under ResultSubjectPrefix with no wildcard or extra token.
func FuzzDecodeJobEnvelope(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef", "1", "node-a")
	f.Add("0123456789ABCDEF0123456789abcdef", "0", "a.b")
	f.Add("", "1001", ">")
	f.Fuzz(func(t *testing.T, id, attempt, submitter string) {
		h := nats.Header{}
		h.Set(hdrJob, id)
		h.Set(hdrAttempt, attempt)
		h.Set(hdrSubmitter, submitter)
		e, err := decodeJobEnvelope(h)
		if err != nil {
			return
		}
		back, err := decodeJobEnvelope(e.header())
		if err != nil || back != e {
			t.Fatalf("decodeJobEnvelope(header(%+v)) = %+v, %v", e, back, err)
		}
		subj := resultSubject(e.Submitter, e.ID)
		for _, c := range []byte(subj) {
			if c == '*' || c == '>' || c == ' ' {
				t.Fatalf("result subject %q has a wildcard or space", subj)
			}
		}
	})
}

// FuzzDecodeResultEnvelope checks that decoding never panics and that
// whatever decodes round-trips.
func FuzzDecodeResultEnvelope(f *testing.F) {
	f.Add("0123456789abcdef0123456789abcdef", "2", "worker_1", "1500000", "")
	f.Add("0123456789abcdef0123456789abcdef", "1", "w", "-1", "boom")
	f.Add("x", "1", "", "99999999999999999999", "")
	f.Fuzz(func(t *testing.T, id, attempt, worker, elapsed, msg string) {
		h := nats.Header{}
		h.Set(hdrJob, id)
		h.Set(hdrAttempt, attempt)
		h.Set(hdrWorker, worker)
		h.Set(hdrElapsed, elapsed)
		if msg != "" {
			h.Set(hdrError, msg)
		}
		e, err := decodeResultEnvelope(h)
		if err != nil {
			return
		}
		if e.Elapsed < 0 || e.Elapsed > maxElapsed {
			t.Fatalf("decoded elapsed %v out of range", e.Elapsed)
		}
		back, err := decodeResultEnvelope(e.header())
		if err != nil || back != e {
			t.Fatalf("decodeResultEnvelope(header(%+v)) = %+v, %v", e, back, err)
		}
	})
}

// TestResultEnvelopeTruncatesLongErrors checks that a worker's long error
// text is cut to what decoders accept.
func TestResultEnvelopeTruncatesLongErrors(t *testing.T) {
	e := resultEnvelope{Job: "0123456789abcdef0123456789abcdef", Attempt: 1, Worker: "w", Elapsed: time.Second, Err: string(make([]byte, 5000))}
	back, err := decodeResultEnvelope(e.header())
	if err != nil || len(back.Err) != maxErrorLen {
		t.Fatalf("decodeResultEnvelope(header(5000-byte error)) = %d-byte error, %v; want %d bytes", len(back.Err), err, maxErrorLen)
	}
}

func TestCheckKindAndID(t *testing.T) {
	for _, tc := range []struct {
		s            string
		kindOK, idOK bool
	}{
		{"rln-prove", true, true},
		{"sig-verify", true, true},
		{"", false, false},
		{"RLN", false, true},
		{"a.b", false, false},
		{"a>", false, false},
		{"host_1", false, true},
		{string(make([]byte, 40)), false, false},
	} {
		if got := CheckKind(tc.s) == nil; got != tc.kindOK {
			t.Errorf("CheckKind(%q) ok = %v, want %v", tc.s, got, tc.kindOK)
		}
		if got := CheckID(tc.s) == nil; got != tc.idOK {
			t.Errorf("CheckID(%q) ok = %v, want %v", tc.s, got, tc.idOK)
		}
	}
}
