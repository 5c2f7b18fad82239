package onchain

import (
	"context"
	"fmt"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
)

// DeployedBlock returns the contract's deployedBlockNumber(), the block to
// give as Config.StartBlock so the first sync skips the chain before the
// contract existed. It fails if the contract has no such method.
func DeployedBlock(ctx context.Context, b ethereum.ContractCaller, contract common.Address) (uint64, error) {
	input, err := ABI.Pack("deployedBlockNumber")
	if err != nil {
		panic("BUG: onchain: pack deployedBlockNumber(): " + err.Error())
	}
	out, err := b.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: input}, nil)
	if err != nil {
		return 0, fmt.Errorf("onchain: call deployedBlockNumber() of %s: %w; set the start block by hand", contract, err)
	}
	res, err := ABI.Unpack("deployedBlockNumber", out)
	if err != nil || len(res) != 1 {
		return 0, fmt.Errorf("onchain: deployedBlockNumber() of %s returned %x; is it a WakuRlnV2 contract? Set the start block by hand", contract, out)
	}
	n, ok := res[0].(uint32)
	if !ok {
		return 0, fmt.Errorf("onchain: deployedBlockNumber() of %s returned %T", contract, res[0])
	}
	return uint64(n), nil
}
