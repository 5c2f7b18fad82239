// SPDX-License-Identifier: MIT
// Copyright (c) 2026 the Cairn authors.
//
// A minimal stand-in for waku-org/waku-rlnv2-contract's WakuRlnV2, written
// for Cairn's tests: the same register/eraseMemberships selectors and the
// same MembershipRegistered/MembershipErased event signatures, with a plain
// counter for the index and no Merkle tree, prices, tokens or expiry.
// Its root() reverts (like a contract without a tree) until a test sets
// the value it returns with setRoot.
pragma solidity 0.8.24;

contract RLNMembershipMock {
    uint256 public constant Q =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    event MembershipRegistered(uint256 idCommitment, uint256 membershipRateLimit, uint32 index);
    event MembershipErased(uint256 idCommitment, uint32 membershipRateLimit, uint32 index);

    struct Info {
        uint32 rateLimit;
        uint32 index;
    }

    uint32 public nextFreeIndex;
    uint32 public deployedBlockNumber = uint32(block.number);
    mapping(uint256 => Info) public memberships;

    uint256 private _root;
    bool private _rootSet;

    function register(uint256 idCommitment, uint32 rateLimit, uint256[] calldata idCommitmentsToErase) external {
        require(0 < idCommitment && idCommitment < Q, "invalid idCommitment");
        require(memberships[idCommitment].rateLimit == 0, "duplicate idCommitment");
        require(rateLimit > 0, "rate limit 0");
        _erase(idCommitmentsToErase);
        uint32 index = nextFreeIndex;
        nextFreeIndex = index + 1;
        memberships[idCommitment] = Info(rateLimit, index);
        emit MembershipRegistered(idCommitment, rateLimit, index);
    }

    function eraseMemberships(uint256[] calldata idCommitments, bool eraseFromMembershipSet) external {
        eraseFromMembershipSet; // the mock keeps no tree
        _erase(idCommitments);
    }

    function _erase(uint256[] calldata ids) internal {
        for (uint256 i = 0; i < ids.length; i++) {
            Info memory m = memberships[ids[i]];
            require(m.rateLimit != 0, "no such membership");
            delete memberships[ids[i]];
            emit MembershipErased(ids[i], m.rateLimit, m.index);
        }
    }

    /// Test hook: makes root() return r from now on.
    function setRoot(uint256 r) external {
        _root = r;
        _rootSet = true;
    }

    function root() external view returns (uint256) {
        require(_rootSet, "no root");
        return _root;
    }

    /// Emits a log with MembershipRegistered's topic and arbitrary data, to
    /// test how a syncer handles malformed events.
    function emitRawRegistered(bytes calldata data) external {
        bytes32 topic = keccak256("MembershipRegistered(uint256,uint256,uint32)");
        bytes memory d = data;
        assembly {
            log1(add(d, 32), mload(d), topic)
        }
    }
}
