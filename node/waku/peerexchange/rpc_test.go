package peerexchange_test

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cairn-node/cairn/node/waku/peerexchange"
)

// TestMarshalNwakuBytes checks nwaku's layout: a request carries an empty
// response with status 0, a response a request for 0 peers.
func TestMarshalNwakuBytes(t *testing.T) {
	for _, tc := range []struct {
		name string
		rpc  peerexchange.RPC
		want string
	}{
		{"request", peerexchange.RPC{NumPeers: 5}, "0a020805" + "12025000"},
		{"response", peerexchange.RPC{Response: peerexchange.Response{ENRs: [][]byte{{0xc1, 0x80}}, Status: peerexchange.StatusSuccess}},
			"0a020800" + "1209" + "0a04" + "0a02c180" + "50c801"},
		{"error", peerexchange.RPC{Response: peerexchange.Response{Status: peerexchange.StatusBadRequest, Desc: "x", HasDesc: true}},
			"0a020800" + "1206" + "509003" + "5a0178"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := hex.EncodeToString(tc.rpc.Marshal()); got != tc.want {
				t.Errorf("Marshal = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestUnmarshal(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		num      uint64
		status   peerexchange.StatusCode
		enrs     int
	}{
		{"request", "0a020805" + "12025000", 5, peerexchange.StatusUnknown, 0},
		{"no response field", "0a020803", 3, peerexchange.StatusUnknown, 0},
		{"no status, no peers", "0a00" + "1200", 0, peerexchange.StatusServiceUnavailable, 0},
		{"no status, peers", "0a00" + "1206" + "0a040a02c180", 0, peerexchange.StatusSuccess, 1},
		{"401 reads as unknown", "0a00" + "1203" + "509103", 0, peerexchange.StatusUnknown, 0},
		{"429 kept", "0a00" + "1203" + "50ad03", 0, peerexchange.StatusTooManyRequests, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := hex.DecodeString(tc.in)
			r, err := peerexchange.Unmarshal(b)
			if err != nil || r.NumPeers != tc.num || r.Response.Status != tc.status || len(r.Response.ENRs) != tc.enrs {
				t.Errorf("Unmarshal(%s) = %+v, %v; want num %d status %v enrs %d", tc.in, r, err, tc.num, tc.status, tc.enrs)
			}
		})
	}
	if _, err := peerexchange.Unmarshal([]byte{0x12, 0x00}); !errors.Is(err, peerexchange.ErrNoRequest) {
		t.Errorf("Unmarshal(no request) = %v, want ErrNoRequest", err)
	}
	for name, in := range map[string]string{"truncated": "0a05", "bad request": "0a0108", "bad peer info": "0a00" + "1202" + "0a05"} {
		b, _ := hex.DecodeString(in)
		if _, err := peerexchange.Unmarshal(b); err == nil {
			t.Errorf("Unmarshal(%s): no error", name)
		}
	}
}

// FuzzUnmarshal checks that Unmarshal never panics and that what it
// accepts survives a Marshal round trip.
func FuzzUnmarshal(f *testing.F) {
	f.Add(peerexchange.RPC{NumPeers: 5}.Marshal())
	f.Add(peerexchange.RPC{Response: peerexchange.Response{ENRs: [][]byte{{1, 2}}, Status: 200, Desc: "ok", HasDesc: true}}.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := peerexchange.Unmarshal(b)
		if err != nil {
			return
		}
		back, err := peerexchange.Unmarshal(r.Marshal())
		if err != nil || back.NumPeers != r.NumPeers || back.Response.Status != r.Response.Status ||
			len(back.Response.ENRs) != len(r.Response.ENRs) || back.Response.Desc != r.Response.Desc {
			t.Errorf("round trip of %+v = %+v, %v", r, back, err)
		}
	})
}
