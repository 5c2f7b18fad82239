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

	_ "github.com/diskfs/go-diskfs"
	_ "github.com/diskfs/go-diskfs/disk"
	_ "github.com/diskfs/go-diskfs/filesystem"
	_ "github.com/diskfs/go-diskfs/filesystem/fat32"
	_ "github.com/diskfs/go-diskfs/partition/gpt"
	_ "github.com/diskfs/go-diskfs/partition/mbr"
	_ "github.com/u-root/u-root/pkg/cpio"
	_ "github.com/u-root/u-root/pkg/dhclient"
	_ "github.com/u-root/u-root/pkg/kmodule"
	_ "github.com/u-root/u-root/pkg/mount"
	_ "github.com/u-root/u-root/pkg/mount/block"
	_ "github.com/vishvananda/netlink"

	_ "github.com/consensys/gnark/backend/groth16"
	_ "github.com/consensys/gnark/backend/groth16/bn254"
	_ "github.com/consensys/gnark/constraint/bn254"
	_ "github.com/consensys/gnark/frontend"
	_ "github.com/consensys/gnark/frontend/cs/r1cs"
	_ "github.com/consensys/gnark/test"
)
