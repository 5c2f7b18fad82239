//go:build pindeps

// Package pindeps keeps modules that work in progress is about to import in
// go.mod while that work lands. It is never built.
package pindeps

import (
	_ "github.com/ethereum/go-ethereum/accounts/abi"
	_ "github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	_ "github.com/ethereum/go-ethereum/core/types"
	_ "github.com/ethereum/go-ethereum/crypto"
	_ "github.com/ethereum/go-ethereum/ethclient"
	_ "github.com/ethereum/go-ethereum/ethclient/simulated"
	_ "github.com/ethereum/go-ethereum/p2p/discover"
	_ "github.com/ethereum/go-ethereum/p2p/dnsdisc"
	_ "github.com/ethereum/go-ethereum/p2p/enode"
	_ "github.com/ethereum/go-ethereum/p2p/enr"
	_ "github.com/tetratelabs/wazero"
)
