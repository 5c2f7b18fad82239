package onchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/cairn-node/cairn/node/relay/rln"
)

// ErrNoRegistration is returned when a mined register transaction failed or
// carries no MembershipRegistered event of the contract.
var ErrNoRegistration = errors.New("onchain: registration failed")

// RegisterBackend is what [Register] needs of an Ethereum client;
// *ethclient.Client and simulated.Client implement it.
type RegisterBackend interface {
	bind.ContractBackend
	bind.DeployBackend
}

// Registration is a mined membership registration.
type Registration struct {
	// Index is the member's leaf index in the tree.
	Index uint64
	// TxHash and Block locate the register transaction.
	TxHash common.Hash
	Block  uint64
}

// SendRegister sends register(id.Commitment, limit, []) to the membership
// contract, signed with key for chainID, and returns the transaction
// without waiting for it. The account pays the gas; with the real
// WakuRlnV2 it must also have approved the contract to take the
// membership's price in the contract's token. A revert the node predicts
// (duplicate idCommitment, limit out of bounds, set full) comes back here,
// from gas estimation.
func SendRegister(ctx context.Context, b RegisterBackend, contract common.Address, key *ecdsa.PrivateKey, chainID *big.Int, id rln.Identity, limit uint32) (*types.Transaction, error) {
	if limit == 0 {
		return nil, errors.New("onchain: register: user message limit 0; give the messages per epoch (at least 1)")
	}
	opts := bind.NewKeyedTransactor(key, chainID)
	opts.Context = ctx
	c := bind.NewBoundContract(contract, ABI, b, b, b)
	tx, err := c.Transact(opts, "register", fieldToBig(id.Commitment), limit, []*big.Int{})
	if err != nil {
		return nil, fmt.Errorf("onchain: send register transaction: %w", err)
	}
	return tx, nil
}

// RegistrationFromReceipt finds the MembershipRegistered event of the
// contract in a register transaction's receipt. It fails with
// [ErrNoRegistration] if the transaction reverted or has no such event.
func RegistrationFromReceipt(r *types.Receipt, contract common.Address) (Registration, error) {
	if r.Status != types.ReceiptStatusSuccessful {
		return Registration{}, fmt.Errorf("%w: transaction %s reverted", ErrNoRegistration, r.TxHash)
	}
	for _, l := range r.Logs {
		if l.Address != contract || len(l.Topics) == 0 || (l.Topics[0] != TopicRegistered && l.Topics[0] != TopicMemberRegistered) {
			continue
		}
		ev, err := decodeEvent(*l)
		if err != nil {
			return Registration{}, fmt.Errorf("%w: transaction %s: MembershipRegistered: %w", ErrNoRegistration, r.TxHash, err)
		}
		return Registration{Index: ev.index, TxHash: r.TxHash, Block: r.BlockNumber.Uint64()}, nil
	}
	return Registration{}, fmt.Errorf("%w: transaction %s has no MembershipRegistered event of %s", ErrNoRegistration, r.TxHash, contract)
}

// Register registers id with limit messages per epoch (see SendRegister),
// waits until the transaction is mined (polling once a second until ctx is
// done) and returns the member's index. The tree learns of the member when
// the syncer reaches the block; keep the index (in the keystore) to find
// the membership again.
func Register(ctx context.Context, b RegisterBackend, contract common.Address, key *ecdsa.PrivateKey, chainID *big.Int, id rln.Identity, limit uint32) (Registration, error) {
	tx, err := SendRegister(ctx, b, contract, key, chainID, id, limit)
	if err != nil {
		return Registration{}, err
	}
	r, err := bind.WaitMined(ctx, b, tx.Hash())
	if err != nil {
		return Registration{}, fmt.Errorf("onchain: wait for register transaction %s: %w", tx.Hash(), err)
	}
	return RegistrationFromReceipt(r, contract)
}
