// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";

/**
 * @title BaselineERC721URIStorage
 * @notice The gas baseline: OpenZeppelin's ERC721URIStorage as the OpenZeppelin Wizard writes it
 * (Ownable, a counter, a stored URI per token), minting with `_mint` like ProvenanceArt so the
 * comparison isolates what each stores. Not deployed by the toolkit.
 */
contract BaselineERC721URIStorage is ERC721URIStorage, Ownable {
    uint256 private _nextTokenId = 1;

    constructor(address initialOwner) ERC721("Baseline", "BASE") Ownable(initialOwner) {}

    /// @notice Mints the next id to `to` with the stored token URI `uri`.
    function mint(address to, string calldata uri) external onlyOwner returns (uint256 tokenId) {
        tokenId = _nextTokenId++;
        _mint(to, tokenId);
        _setTokenURI(tokenId, uri);
    }
}
