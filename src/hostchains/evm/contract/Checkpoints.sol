// SPDX-License-Identifier: MIT
pragma solidity 0.8.26;

// Checkpoints of KLYNTAR symbiotes committed to an EVM hostchain. Anyone may commit: the contract
// only records who said what, as an event; every auditor compares the events with its own copy of
// the symbiote's history and decides what counts.
contract Checkpoints {
    event Checkpoint(bytes32 indexed symbiote, uint64 indexed index, bytes32 hash, address committer);

    // Controller block `index` of `symbiote` has hash `hash`, says msg.sender.
    function commit(bytes32 symbiote, uint64 index, bytes32 hash) external {
        emit Checkpoint(symbiote, index, hash, msg.sender);
    }
}
