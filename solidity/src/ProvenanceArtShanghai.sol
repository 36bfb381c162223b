// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {ProvenanceArtBase} from "./ProvenanceArtBase.sol";

/**
 * @title ProvenanceArtShanghai
 * @notice The pre-Cancun build of {ProvenanceArtBase} (compiled for Shanghai), for chains without
 * transient storage or MCOPY (ganache 7, some sidechains and private networks): OpenZeppelin's storage
 * reentrancy guard instead of the transient one, otherwise the same contract, ABI and behaviour as
 * {ProvenanceArt}. Its guard costs more gas on {redeem} and {release}; mints are unaffected.
 */
contract ProvenanceArtShanghai is ProvenanceArtBase, ReentrancyGuard {
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
