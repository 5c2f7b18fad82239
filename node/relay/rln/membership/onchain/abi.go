package onchain

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// contractABI is the part of waku-org/waku-rlnv2-contract's WakuRlnV2 (and
// its base MembershipUpgradeable) that Cairn uses, written from
// src/WakuRlnV2.sol and src/Membership.sol at commit e75ac913 (2025-09-30).
// register's rate limit is a uint32 while MembershipRegistered carries it
// as a uint256; the other events carry uint32.
const contractABI = `[
 {"type":"function","name":"register","stateMutability":"nonpayable","outputs":[],"inputs":[
  {"name":"idCommitment","type":"uint256"},{"name":"rateLimit","type":"uint32"},
  {"name":"idCommitmentsToErase","type":"uint256[]"}]},
 {"type":"function","name":"eraseMemberships","stateMutability":"nonpayable","outputs":[],"inputs":[
  {"name":"idCommitments","type":"uint256[]"},{"name":"eraseFromMembershipSet","type":"bool"}]},
 {"type":"function","name":"root","stateMutability":"view","inputs":[],"outputs":[{"name":"","type":"uint256"}]},
 {"type":"function","name":"deployedBlockNumber","stateMutability":"view","inputs":[],"outputs":[{"name":"","type":"uint32"}]},
 {"type":"event","name":"MembershipRegistered","anonymous":false,"inputs":[
  {"name":"idCommitment","type":"uint256","indexed":false},
  {"name":"membershipRateLimit","type":"uint256","indexed":false},
  {"name":"index","type":"uint32","indexed":false}]},
 {"type":"event","name":"MembershipErased","anonymous":false,"inputs":[
  {"name":"idCommitment","type":"uint256","indexed":false},
  {"name":"membershipRateLimit","type":"uint32","indexed":false},
  {"name":"index","type":"uint32","indexed":false}]}
]`

// ABI is the parsed contract ABI (the methods register, eraseMemberships
// (the two-argument overload), root and deployedBlockNumber, and the events
// MembershipRegistered and MembershipErased). Do not modify it.
var ABI = func() abi.ABI {
	a, err := abi.JSON(strings.NewReader(contractABI))
	if err != nil {
		panic("BUG: onchain: contract ABI does not parse: " + err.Error())
	}
	return a
}()

// Event topics (keccak256 of the event signatures).
var (
	// TopicRegistered is MembershipRegistered(uint256,uint256,uint32).
	TopicRegistered = ABI.Events["MembershipRegistered"].ID
	// TopicErased is MembershipErased(uint256,uint32,uint32).
	TopicErased = ABI.Events["MembershipErased"].ID
	// TopicMemberRegistered is MemberRegistered(uint256,uint32), the event of
	// earlier WakuRlnV2 versions (the bytecode nwaku's tests deploy, in
	// waku_rln_relay/contract.nim): it carries the rate commitment itself
	// and the index.
	TopicMemberRegistered = crypto.Keccak256Hash([]byte("MemberRegistered(uint256,uint32)"))
)

// eventKind tells the two events apart.
type eventKind int

const (
	kindRegistered eventKind = iota + 1
	kindErased
	kindMemberRegistered // the earlier event, with the rate commitment
)

// event is a decoded membership event.
type event struct {
	kind  eventKind
	leaf  fr.Element // the rate commitment the event names
	index uint64
}

// word returns the i-th 32-byte word of data as a big.Int.
func word(data []byte, i int) *big.Int {
	return new(big.Int).SetBytes(data[32*i : 32*(i+1)])
}

// decodeEvent decodes a MembershipRegistered or MembershipErased log (three
// non-indexed words: idCommitment, rate limit, index) or an earlier
// MemberRegistered log (two words: rate commitment, index). It checks what
// the contract guarantees and a forged or foreign log may break: field
// elements in (0, r), 0 < limit < 2^32, index < rln.Capacity.
func decodeEvent(l types.Log) (event, error) {
	if len(l.Topics) != 1 {
		return event{}, fmt.Errorf("%d topics, want 1", len(l.Topics))
	}
	var ev event
	words := 3
	switch l.Topics[0] {
	case TopicRegistered:
		ev.kind = kindRegistered
	case TopicErased:
		ev.kind = kindErased
	case TopicMemberRegistered:
		ev.kind, words = kindMemberRegistered, 2
	default:
		return event{}, fmt.Errorf("unknown topic %s", l.Topics[0])
	}
	if len(l.Data) != words*32 {
		return event{}, fmt.Errorf("%d data bytes, want %d", len(l.Data), words*32)
	}
	first, index := word(l.Data, 0), word(l.Data, words-1)
	if first.Sign() == 0 || first.Cmp(fr.Modulus()) >= 0 {
		return event{}, fmt.Errorf("commitment %s is not in (0, r)", first)
	}
	if !index.IsUint64() || index.Uint64() >= rln.Capacity {
		return event{}, fmt.Errorf("index %s is beyond the tree's %d leaves", index, rln.Capacity)
	}
	ev.index = index.Uint64()
	ev.leaf.SetBigInt(first)
	if ev.kind == kindMemberRegistered {
		return ev, nil
	}
	limit := word(l.Data, 1)
	if limit.Sign() == 0 || limit.BitLen() > 32 {
		return event{}, fmt.Errorf("rate limit %s is not a non-zero uint32", limit)
	}
	ev.leaf = rln.RateCommitment(ev.leaf, limit.Uint64())
	return ev, nil
}

// fieldToBig returns e as the uint256 the contract takes.
func fieldToBig(e fr.Element) *big.Int { return e.BigInt(new(big.Int)) }

// isFullErase reports whether tx input is a call of
// eraseMemberships(uint256[],bool) with eraseFromMembershipSet true, the
// one way the contract zeroes erased leaves in its tree.
func isFullErase(to *common.Address, contract common.Address, input []byte) bool {
	m := ABI.Methods["eraseMemberships"]
	if to == nil || *to != contract || len(input) < 4 || string(input[:4]) != string(m.ID) {
		return false
	}
	args, err := m.Inputs.Unpack(input[4:])
	if err != nil || len(args) != 2 {
		return false
	}
	full, ok := args[1].(bool)
	return ok && full
}
