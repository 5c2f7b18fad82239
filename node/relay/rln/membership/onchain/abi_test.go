package onchain

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cairn-node/cairn/node/relay/rln"
)

func words(vs ...*big.Int) []byte {
	var b []byte
	for _, v := range vs {
		b = append(b, common.LeftPadBytes(v.Bytes(), 32)...)
	}
	return b
}

func TestDecodeEvent(t *testing.T) {
	id := identity(1).Commitment
	rc := rln.RateCommitment(id, 20)
	for _, tc := range []struct {
		name  string
		topic common.Hash
		data  []byte
		kind  eventKind
	}{
		{"MembershipRegistered", TopicRegistered, words(fieldToBig(id), big.NewInt(20), big.NewInt(5)), kindRegistered},
		{"MembershipErased", TopicErased, words(fieldToBig(id), big.NewInt(20), big.NewInt(5)), kindErased},
		{"MemberRegistered (earlier contract)", TopicMemberRegistered, words(fieldToBig(rc), big.NewInt(5)), kindMemberRegistered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := decodeEvent(types.Log{Topics: []common.Hash{tc.topic}, Data: tc.data})
			if err != nil {
				t.Fatal(err)
			}
			if ev.kind != tc.kind || ev.index != 5 || !ev.leaf.Equal(&rc) {
				t.Errorf("decodeEvent = kind %d index %d leaf %s; want kind %d index 5 leaf %s", ev.kind, ev.index, ev.leaf.String(), tc.kind, rc.String())
			}
		})
	}
}

func TestIsFullErase(t *testing.T) {
	contract := common.HexToAddress("0xc0")
	ids := []*big.Int{big.NewInt(3)}
	for _, tc := range []struct {
		full bool
		to   common.Address
		want bool
	}{{true, contract, true}, {false, contract, false}, {true, common.HexToAddress("0xc1"), false}} {
		input, err := ABI.Pack("eraseMemberships", ids, tc.full)
		if err != nil {
			t.Fatal(err)
		}
		if got := isFullErase(&tc.to, contract, input); got != tc.want {
			t.Errorf("isFullErase(full=%v, to=%s) = %v, want %v", tc.full, tc.to, got, tc.want)
		}
	}
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add(TopicRegistered[:], words(big.NewInt(1), big.NewInt(1), big.NewInt(0)))
	f.Add(TopicMemberRegistered[:], words(big.NewInt(1), big.NewInt(0)))
	f.Add(TopicErased[:], []byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, topic, data []byte) {
		ev, err := decodeEvent(types.Log{Topics: []common.Hash{common.BytesToHash(topic)}, Data: data})
		if err != nil {
			return
		}
		if ev.index >= rln.Capacity || ev.leaf.IsZero() && ev.kind == kindMemberRegistered {
			t.Errorf("decodeEvent accepted index %d leaf %s", ev.index, ev.leaf.String())
		}
	})
}
