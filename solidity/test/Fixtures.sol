// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Inputs shared by the tests and the gas benchmark (kept in step with scripts/bench_gas.py).
library Fixtures {
    bytes private constant _B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /**
     * @notice A sealed-message envelope of exactly `size` bytes shaped like the toolkit's
     * secp256k1-ecies JSON envelope: `{"version":"secp256k1-ecies","ciphertext":"<base64>"}`.
     */
    function envelope(uint256 size, uint256 seed) internal pure returns (bytes memory out) {
        bytes memory head = bytes('{"version":"secp256k1-ecies","ciphertext":"');
        bytes memory tail = bytes('"}');
        require(size >= head.length + tail.length, "envelope too small");
        out = new bytes(size);
        for (uint256 i = 0; i < head.length; ++i) {
            out[i] = head[i];
        }
        uint256 bodyEnd = size - tail.length;
        for (uint256 i = head.length; i < bodyEnd; ++i) {
            out[i] = _B64[uint256(keccak256(abi.encode(seed, i))) % 64];
        }
        out[bodyEnd] = tail[0];
        out[bodyEnd + 1] = tail[1];
    }

    /// @notice Intrinsic gas of a transaction with `data` (Prague: EIP-2028 pricing, EIP-7623 floor).
    function intrinsicGas(bytes memory data) internal pure returns (uint256 standard, uint256 floor) {
        uint256 zeros;
        for (uint256 i = 0; i < data.length; ++i) {
            if (data[i] == 0) ++zeros;
        }
        uint256 nonZeros = data.length - zeros;
        standard = 21_000 + 4 * zeros + 16 * nonZeros;
        floor = 21_000 + 10 * (zeros + 4 * nonZeros);
    }

    /// @notice What a transaction's receipt would show: intrinsic + execution, or the EIP-7623 floor.
    function receiptGas(bytes memory data, uint256 executionGas) internal pure returns (uint256) {
        (uint256 standard, uint256 floor) = intrinsicGas(data);
        uint256 total = standard + executionGas;
        return total > floor ? total : floor;
    }
}
