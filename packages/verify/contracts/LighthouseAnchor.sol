// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// @title Lighthouse check-record anchors
/// @notice Each hour, a Lighthouse instance folds the roots of the result batches its probes
/// signed into one root and records it here, once. Anyone holding a record's proof can then
/// check that the record existed when that hour was anchored: `roots(instance, hour)`.
contract LighthouseAnchor {
    /// the account allowed to anchor (the instance's ANCHOR_PRIVATE_KEY)
    address public immutable owner;

    /// instance => hour (unix seconds of its start) => root of that hour's signed batches
    mapping(bytes32 => mapping(uint64 => bytes32)) public roots;

    event Anchored(bytes32 indexed instance, uint64 indexed hour, bytes32 root);

    constructor() {
        owner = msg.sender;
    }

    /// Records an hour's root. An hour is anchored once: a root cannot be replaced later.
    function anchor(bytes32 instance, uint64 hour, bytes32 root) external {
        require(msg.sender == owner, "LighthouseAnchor: not the owner");
        require(root != bytes32(0), "LighthouseAnchor: empty root");
        require(roots[instance][hour] == bytes32(0), "LighthouseAnchor: hour already anchored");
        roots[instance][hour] = root;
        emit Anchored(instance, hour, root);
    }
}
