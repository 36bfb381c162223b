// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {ProvenanceArtBase} from "../src/ProvenanceArtBase.sol";

/// @notice A contract wallet that approves what its owner key signed (ERC-1271), like a 1-of-1 Safe.
contract ERC1271Wallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == owner ? IERC1271.isValidSignature.selector : bytes4(0);
    }
}

/// @notice A beneficiary that refuses Ether.
contract RejectingBeneficiary {
    error NoThanks();

    receive() external payable {
        revert NoThanks();
    }
}

/// @notice A beneficiary that tries to withdraw again while being paid.
contract ReentrantBeneficiary {
    ProvenanceArtBase public art;

    function setTarget(ProvenanceArtBase art_) external {
        art = art_;
    }

    receive() external payable {
        art.release(payable(address(this)));
    }
}
