// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/**
 * @title IProvenanceArt
 * @notice Ownership and provenance of an artist's collection. The image is the token: a token's id is
 * the sha256 of its image bytes, so whoever holds the file can ask `ownerOf(uint256(sha256(file)))`,
 * and an image can be minted once per collection, ever (a burn keeps the record). Each token records
 * the sha256 of its metadata JSON, from which `tokenURI` is derived. Donors redeem minter-signed
 * EIP-712 vouchers by paying at least a minimum donation; donations are split among payees by shares
 * fixed at deployment and paid out by {release}.
 */
interface IProvenanceArt {
    /**
     * @notice An artist's off-chain offer of a work against a donation (EIP-712 type `Voucher`, domain
     * name "ProvenanceArt", version "2", this chain id and this contract).
     */
    struct Voucher {
        /// The minter who signs: an EOA (ECDSA) or a contract wallet (ERC-1271).
        address signer;
        /// Who receives the token; address(0) lets anyone redeem it for themselves.
        address recipient;
        bytes32 metadataDigest;
        /// sha256 of the image bytes: the token id.
        bytes32 imageDigest;
        /// Minimum msg.value in wei.
        uint256 minDonation;
        /// Last valid block timestamp (inclusive).
        uint64 deadline;
        /// Chosen by the signer; (signer, id) is redeemed or canceled at most once.
        bytes32 id;
    }

    /// @notice Where a voucher (signer, id) stands on chain. Expiry is read from the voucher itself.
    enum VoucherState {
        Open,
        Redeemed,
        Canceled
    }

    /**
     * @notice A token was minted; its id is the image digest. `messageHash` is keccak256(sealedMessage),
     * keccak256("") when the token carries no message; the envelope bytes themselves are in the log data.
     */
    event ArtworkMinted(
        uint256 indexed tokenId, address indexed to, bytes32 metadataDigest, bytes32 messageHash, bytes sealedMessage
    );

    /// @notice Voucher (`signer`, `id`) was redeemed for `tokenId` with a donation of `donation` wei.
    event VoucherRedeemed(
        address indexed signer, bytes32 indexed id, uint256 indexed tokenId, address redeemer, uint256 donation
    );

    /// @notice Voucher (`signer`, `id`) was canceled by `canceledBy` (the signer or an admin).
    event VoucherCanceled(address indexed signer, bytes32 indexed id, address indexed canceledBy);

    /// @notice `account` was made a payee with `shares` shares (at deployment only).
    event PayeeAdded(address account, uint256 shares);

    /// @notice `amount` wei of donations were paid to `payee`.
    event PaymentReleased(address indexed payee, uint256 amount);

    /// @notice The default royalty changed (ERC-2981).
    event DefaultRoyaltyUpdated(address indexed receiver, uint96 feeNumerator);

    /// @notice ERC-7572: the contract-level metadata changed.
    event ContractURIUpdated();

    /// @notice The image `imageDigest` (= its token id) was already minted, live or burned.
    error ImageAlreadyMinted(bytes32 imageDigest);

    /// @notice A digest was zero: no sha256 output is, so the caller passed no digest.
    error ZeroDigest(bytes32 metadataDigest, bytes32 imageDigest);

    /// @notice `tokenId` was never minted in this collection.
    error UnknownToken(uint256 tokenId);

    /// @notice Only a token's owner may burn it.
    error NotTokenOwner(uint256 tokenId, address caller);

    /// @notice Voucher (`signer`, `id`) was already redeemed.
    error VoucherAlreadyRedeemed(address signer, bytes32 id);

    /// @notice Voucher (`signer`, `id`) was canceled.
    error VoucherAlreadyCanceled(address signer, bytes32 id);

    /// @notice Only the voucher's signer or an admin may cancel voucher (`signer`, `id`).
    error NotVoucherCanceler(address signer, bytes32 id, address caller);

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

    /// @notice The admin address given to the constructor was address(0).
    error InvalidAdmin(address admin);

    /// @notice `account` held the minter role once and lost it (revoked or renounced): it can never
    /// hold it again, so the vouchers it signed before cannot come back to life.
    error MinterRetired(address account);

    /// @notice The constructor got `payees` payees but `shares` share counts.
    error PayeesSharesMismatch(uint256 payees, uint256 shares);

    /// @notice A payee given to the constructor was address(0).
    error InvalidPayee(address payee);

    /// @notice A payee was given zero shares.
    error ZeroShares(address payee);

    /// @notice A payee was given twice.
    error DuplicatePayee(address payee);

    /// @notice `account` holds no shares of the donations.
    error NotPayee(address account);

    /// @notice `payee` has nothing due now.
    error NothingDue(address payee);

    /// @notice Role that may mint and sign vouchers.
    function MINTER_ROLE() external view returns (bytes32);

    /**
     * @notice Mints the token `uint256(imageDigest)` to `to`, recording `metadataDigest`, and emits
     * {ArtworkMinted}.
     * @return tokenId `uint256(imageDigest)`.
     */
    function mint(address to, bytes32 metadataDigest, bytes32 imageDigest, bytes calldata sealedMessage)
        external
        returns (uint256 tokenId);

    /**
     * @notice Redeems a minter-signed voucher by paying at least its minimum donation; mints to the
     * voucher's recipient, or to the caller when the voucher names none. A voucher that names a
     * recipient can be redeemed by anyone as a gift, but only without a message: a non-empty
     * `sealedMessage` must come from the recipient.
     * @return tokenId `uint256(voucher.imageDigest)`.
     */
    function redeem(Voucher calldata voucher, bytes calldata signature, bytes calldata sealedMessage)
        external
        payable
        returns (uint256 tokenId);

    /// @notice Cancels voucher (`signer`, `id`) for good; only `signer` itself or an admin may.
    function cancelVoucher(address signer, bytes32 id) external;

    /// @notice Burns `tokenId`; only its owner may. The record and the image reservation remain.
    function burn(uint256 tokenId) external;

    /// @notice Pays `payee` its due share of the donations. Anyone may call it; the Ether goes to `payee`.
    function release(address payable payee) external;

    /// @notice Sets the default royalty (ERC-2981), `feeNumerator` in basis points (admin only).
    function setDefaultRoyalty(address receiver, uint96 feeNumerator) external;

    /// @notice Sets the ERC-7572 contract-level metadata URI (admin only).
    function setContractURI(string calldata uri) external;

    /// @notice ERC-7572 contract-level metadata URI.
    function contractURI() external view returns (string memory);

    /// @notice The metadata digest recorded for `tokenId` (live or burned); the image digest is the id.
    function recordOf(uint256 tokenId) external view returns (bytes32 metadataDigest);

    /// @notice The EIP-712 digest a voucher signer signs.
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32);

    /// @notice Whether voucher (`signer`, `id`) is open, redeemed or canceled.
    function voucherState(address signer, bytes32 id) external view returns (VoucherState);

    /// @notice Whether `account` held the minter role and lost it: it can never be granted again.
    function minterRetired(address account) external view returns (bool);

    /// @notice The payees, in constructor order.
    function payees() external view returns (address[] memory);

    /// @notice `account`'s shares (0 for a non-payee).
    function shares(address account) external view returns (uint256);

    /// @notice Sum of all payees' shares.
    function totalShares() external view returns (uint256);

    /// @notice Wei paid to `account` so far.
    function released(address account) external view returns (uint256);

    /// @notice Wei paid to all payees so far.
    function totalReleased() external view returns (uint256);

    /// @notice Wei `account` would get from {release} now.
    function releasable(address account) external view returns (uint256);

    /// @notice Wei received in total: the balance plus everything released.
    function totalDonations() external view returns (uint256);
}
