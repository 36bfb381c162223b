// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title CidV1
 * @notice The `ipfs://` URI of a single raw IPFS block from its sha256, derived on chain.
 * @dev A file under one chunk imported with CIDv1 raw leaves is one raw block whose CID is
 * `b` + base32-lower(0x01 0x55 0x12 0x20 || sha256(bytes)) (RFC 4648 alphabet, no padding). The
 * 4-byte prefix (CIDv1, raw codec, sha2-256, 32-byte length) always encodes to "afkrei" plus two
 * zero bits, so the 256 digest bits follow those two bits: 258 bits, 52 base32 characters, the
 * last one padded with two zero bits.
 */
library CidV1 {
    bytes private constant _ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

    /// @notice `ipfs://bafkrei...` (66 characters) for the raw block whose sha256 is `digest`.
    function ipfsUriOfRawSha256(bytes32 digest) internal pure returns (string memory) {
        uint256 d = uint256(digest);
        bytes memory tail = new bytes(52);
        // Character j (0..50) holds digest bits [253 - 5j, 258 - 5j): the two leading zero bits from
        // the prefix make the first one hold only the top three digest bits.
        for (uint256 j = 0; j < 51; ++j) {
            tail[j] = _ALPHABET[(d >> (253 - 5 * j)) & 31];
        }
        // The last character: the low three digest bits, then two padding zero bits.
        tail[51] = _ALPHABET[(d << 2) & 31];
        return string.concat("ipfs://bafkrei", string(tail));
    }
}
