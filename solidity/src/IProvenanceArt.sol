// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IProvenanceArt
 * @notice Ownership and provenance of an artist's collection: each token records the sha256 of its
 * metadata JSON and of its image; an image can be minted once per collection; donors redeem
 * artist-signed EIP-712 vouchers by paying at least a minimum donation.
 */
interface IProvenanceArt {
    /// @notice What a token records at mint. Immutable afterwards, kept after a burn.
    struct Record {
        /// sha256 of the canonical metadata JSON; the tokenURI is `ipfs://` + its CIDv1 (raw, base32).
        bytes32 metadataDigest;
        /// sha256 of the image bytes; reserved forever in this collection.
        bytes32 imageDigest;
    }

    /**
     * @notice An artist's off-chain offer of a work against a donation (EIP-712 type `Voucher`, domain
     * name "ProvenanceArt", version "1", this chain id and this contract).
     */
    struct Voucher {
        /// The minter who signs: an EOA (ECDSA) or a contract wallet (ERC-1271).
        address signer;
        /// Who receives the token; address(0) lets anyone redeem it for themselves.
        address recipient;
        bytes32 metadataDigest;
        bytes32 imageDigest;
        /// Minimum msg.value in wei.
        uint256 minDonation;
        /// Last valid block timestamp (inclusive).
        uint64 deadline;
        /// Unique id; a voucher id can be redeemed once.
        bytes32 id;
    }

    /**
     * @notice A token was minted. `messageHash` is keccak256(sealedMessage), keccak256("") when the
     * token carries no message; the envelope bytes themselves are in the log data.
     */
    event ArtworkMinted(
        uint256 indexed tokenId,
        address indexed to,
        bytes32 indexed imageDigest,
        bytes32 metadataDigest,
        bytes32 messageHash,
        bytes sealedMessage
    );

    /// @notice A voucher was redeemed for `tokenId` with a donation of `donation` wei.
    event VoucherRedeemed(bytes32 indexed id, uint256 indexed tokenId, address indexed redeemer, uint256 donation);

    /// @notice The admin withdrew `amount` wei of donations to `beneficiary`.
    event DonationsWithdrawn(address indexed beneficiary, uint256 amount);

    /// @notice The default royalty changed (ERC-2981).
    event DefaultRoyaltyUpdated(address indexed receiver, uint96 feeNumerator);

    /// @notice ERC-7572: the contract-level metadata changed.
    event ContractURIUpdated();

    /// @notice `imageDigest` was already minted as `tokenId` (live or burned).
    error ImageAlreadyMinted(bytes32 imageDigest, uint256 tokenId);

    /// @notice A digest was zero: no sha256 output is, so the caller passed no digest.
    error ZeroDigest(bytes32 metadataDigest, bytes32 imageDigest);

    /// @notice `tokenId` was never minted in this collection.
    error UnknownToken(uint256 tokenId);

    /// @notice Only a token's owner may burn it.
    error NotTokenOwner(uint256 tokenId, address caller);

    /// @notice The voucher `id` was already redeemed.
    error VoucherAlreadyUsed(bytes32 id);

    /// @notice The voucher `id` expired at `deadline`.
    error VoucherExpired(bytes32 id, uint64 deadline, uint256 timestamp);

    /// @notice `donation` is below the voucher's `minDonation`.
    error DonationTooLow(bytes32 id, uint256 donation, uint256 minDonation);

    /// @notice The voucher's signer does not hold the minter role.
    error VoucherSignerNotMinter(bytes32 id, address signer);

    /// @notice The signature is not the voucher signer's (ECDSA or ERC-1271).
    error InvalidVoucherSignature(bytes32 id, address signer);

    /**
     * @notice Voucher `id` names a recipient, and only that recipient may attach a sealed message
     * when redeeming it; `caller` is not the recipient.
     */
    error SealedMessageNotFromRecipient(bytes32 id, address caller);

    /// @notice Donations cannot be withdrawn to address(0).
    error InvalidBeneficiary(address beneficiary);

    /// @notice More was requested than the contract holds.
    error InsufficientDonations(uint256 requested, uint256 available);

    /// @notice The admin address given to the constructor was address(0).
    error InvalidAdmin(address admin);

    /// @notice Role that may mint and sign vouchers.
    function MINTER_ROLE() external view returns (bytes32);

    /**
     * @notice Mints the next token id to `to`, recording both digests, and emits {ArtworkMinted}.
     * @return tokenId The new token id (ids count up from 1).
     */
    function mint(address to, bytes32 metadataDigest, bytes32 imageDigest, bytes calldata sealedMessage)
        external
        returns (uint256 tokenId);

    /**
     * @notice Redeems an artist-signed voucher by paying at least its minimum donation; mints to the
     * voucher's recipient, or to the caller when the voucher names none. A voucher that names a
     * recipient can be redeemed by anyone as a gift, but only without a message: a non-empty
     * `sealedMessage` must come from the recipient.
     * @return tokenId The new token id.
     */
    function redeem(Voucher calldata voucher, bytes calldata signature, bytes calldata sealedMessage)
        external
        payable
        returns (uint256 tokenId);

    /// @notice Burns `tokenId`; only its owner may. The record and the image reservation remain.
    function burn(uint256 tokenId) external;

    /// @notice Sends `amount` wei of accumulated donations to `beneficiary` (admin only).
    function withdraw(address payable beneficiary, uint256 amount) external;

    /// @notice Sets the default royalty (ERC-2981), `feeNumerator` in basis points (admin only).
    function setDefaultRoyalty(address receiver, uint96 feeNumerator) external;

    /// @notice Sets the ERC-7572 contract-level metadata URI (admin only).
    function setContractURI(string calldata uri) external;

    /// @notice ERC-7572 contract-level metadata URI.
    function contractURI() external view returns (string memory);

    /// @notice The record of a minted token, live or burned.
    function recordOf(uint256 tokenId) external view returns (Record memory);

    /// @notice The token minted with `imageDigest`, 0 when never minted.
    function tokenOfImage(bytes32 imageDigest) external view returns (uint256);

    /// @notice Number of tokens ever minted (burned ones included); also the highest token id.
    function totalMinted() external view returns (uint256);

    /// @notice The EIP-712 digest a voucher signer signs.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32);

    /// @notice Whether voucher `id` has been redeemed.
    function isVoucherUsed(bytes32 id) external view returns (bool);
}
