// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ProvenanceArtBase} from "./ProvenanceArtBase.sol";

/**
 * @title ProvenanceArt
 * @notice The default build of {ProvenanceArtBase}, for chains at Cancun or later (compiled for
 * Prague): its reentrancy guard lives in transient storage (EIP-1153), the cheapest guard there is.
 * Pre-Cancun chains (no TLOAD/TSTORE/MCOPY) get {ProvenanceArtShanghai}, the same contract with a
 * storage guard.
 */
contract ProvenanceArt is ProvenanceArtBase, ReentrancyGuardTransient {
    /// @dev See {ProvenanceArtBase-constructor}.
    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        address royaltyReceiver,
        uint96 royaltyBps,
        string memory contractURI_,
        address[] memory payees_,
        uint256[] memory shares_
    ) ProvenanceArtBase(name_, symbol_, admin, royaltyReceiver, royaltyBps, contractURI_, payees_, shares_) {}

    /// @inheritdoc ProvenanceArtBase
    function redeem(Voucher calldata voucher, bytes calldata signature, bytes calldata sealedMessage)
        public
        payable
        override
        nonReentrant
        returns (uint256 tokenId)
    {
        return super.redeem(voucher, signature, sealedMessage);
    }

    /// @inheritdoc ProvenanceArtBase
    function release(address payable payee) public override nonReentrant {
        super.release(payee);
    }
}
