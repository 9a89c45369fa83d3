// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/**
 * @title Counter
 * @notice A contract whose views tests can steer, for checks that call a view function and
 * compare what it returns: an integer, a bool, a string, an address, one view that takes
 * arguments and one that always reverts. Anyone may set anything: for tests only.
 */
contract Counter {
    uint256 public value;
    bool public paused;
    string public label;
    address public owner;

    constructor(uint256 initial) {
        value = initial;
        label = "initial";
        owner = msg.sender;
    }

    function set(uint256 next) external {
        value = next;
    }

    function setPaused(bool next) external {
        paused = next;
    }

    function setLabel(string calldata next) external {
        label = next;
    }

    /// value * factor + offset, for calls with arguments
    function scaled(uint256 factor, int256 offset) external view returns (int256) {
        return int256(value * factor) + offset;
    }

    function broken() external pure returns (uint256) {
        revert("counter is broken");
    }
}
