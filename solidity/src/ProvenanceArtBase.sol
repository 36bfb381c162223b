// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {CidV1} from "./CidV1.sol";
import {IProvenanceArt} from "./IProvenanceArt.sol";

/**
 * @title ProvenanceArtBase
 * @notice ERC-721 collection of an artist's works with on-chain provenance. The token id is the
 * sha256 of the image; per token the sha256 of its metadata JSON (from which `tokenURI` is derived);
 * each image once per collection, ever; sealed donor messages carried in the mint event; donations
 * through EIP-712 vouchers, split among payees by fixed shares.
 *
 * @dev Storage per mint, besides OpenZeppelin's owner and balance slots: one slot, the metadata
 * digest keyed by token id. That slot is also the "minted ever" flag: a sha256 is never zero (zero
 * digests are refused), and a burn leaves it, so an image can never be minted twice. No counter, no
 * image-to-token index (the id is the image digest), no second record slot. docs/contract.md walks
 * through the gas slot by slot.
 *
 * The message hash is not stored: the event carries it and the envelope, and the metadata JSON
 * (committed by `metadataDigest`) embeds the envelope.
 *
 * Mints use `_mint`, not `_safeMint`: no call into the recipient during a mint (no reentrancy surface,
 * 2,600+ gas less). A recipient contract that cannot handle ERC-721 tokens must not be named.
 *
 * Roles: DEFAULT_ADMIN_ROLE (the artist) manages roles, royalties, the contract URI and may cancel
 * any voucher; it has exactly one holder and changes hands only in two steps with a delay
 * (OpenZeppelin's AccessControlDefaultAdminRules: {beginDefaultAdminTransfer}, then the new admin's
 * {acceptDefaultAdminTransfer} once {INITIAL_ADMIN_DELAY} has passed). MINTER_ROLE mints and signs
 * vouchers. Donations are paid only to the payees, by
 * {release}; no role can move them elsewhere.
 *
 * IMPORTANT: {redeem} and {release} call out (ERC-1271 signers, payees) and are not guarded here: the
 * two deployable builds wrap them in OpenZeppelin's reentrancy guard, transient storage in
 * {ProvenanceArt} (Cancun and later), a storage slot in {ProvenanceArtShanghai} (pre-Cancun chains).
 * Everything else is this one source.
 */
abstract contract ProvenanceArtBase is ERC721, ERC2981, AccessControlDefaultAdminRules, EIP712, IProvenanceArt {
    /// @inheritdoc IProvenanceArt
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    /// @notice The delay a new admin waits between being offered the role and accepting it
    /// (OpenZeppelin's AccessControlDefaultAdminRules; the admin can change it, itself delayed).
    uint48 public constant INITIAL_ADMIN_DELAY = 2 days;

    bytes32 private constant _VOUCHER_TYPEHASH = keccak256(
        "Voucher(address signer,address recipient,bytes32 metadataDigest,bytes32 imageDigest,uint256 minDonation,uint64 deadline,bytes32 id)"
    );

    string private _contractURI;
    mapping(uint256 tokenId => bytes32 metadataDigest) private _metadataOf;
    mapping(address signer => mapping(bytes32 id => VoucherState)) private _voucherStates;
    mapping(address account => bool) private _retiredMinters;

    address[] private _payees;
    mapping(address payee => uint256) private _shares;
    mapping(address payee => uint256) private _released;
    uint256 private _totalShares;
    uint256 private _totalReleased;

    /**
     * @param name_ ERC-721 name.
     * @param symbol_ ERC-721 symbol.
     * @param admin The artist: gets DEFAULT_ADMIN_ROLE and MINTER_ROLE.
     * @param royaltyReceiver Default ERC-2981 royalty receiver.
     * @param royaltyBps Default royalty in basis points (at most 10,000).
     * @param contractURI_ ERC-7572 contract-level metadata URI.
     * @param payees_ Who shares the donations; empty: `admin` alone.
     * @param shares_ Each payee's shares, in the order of `payees_`; fixed for the contract's life.
     * @dev Requirements: `admin` is not address(0); `royaltyReceiver` is not address(0); as many
     * shares as payees; no payee is address(0) or given twice; no share is zero. Emits
     * {DefaultRoyaltyUpdated}, {ContractURIUpdated} and one {PayeeAdded} per payee.
     */
    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        address royaltyReceiver,
        uint96 royaltyBps,
        string memory contractURI_,
        address[] memory payees_,
        uint256[] memory shares_
    )
        ERC721(name_, symbol_)
        AccessControlDefaultAdminRules(INITIAL_ADMIN_DELAY, _nonZeroAdmin(admin))
        EIP712("ProvenanceArt", "2")
    {
        if (payees_.length != shares_.length) revert PayeesSharesMismatch(payees_.length, shares_.length);
        _grantRole(MINTER_ROLE, admin);
        _setDefaultRoyalty(royaltyReceiver, royaltyBps);
        emit DefaultRoyaltyUpdated(royaltyReceiver, royaltyBps);
        _contractURI = contractURI_;
        emit ContractURIUpdated();
        if (payees_.length == 0) {
            _addPayee(admin, 1);
        } else {
            for (uint256 i = 0; i < payees_.length; ++i) {
                _addPayee(payees_[i], shares_[i]);
            }
        }
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Requirements: caller has MINTER_ROLE; `to` is not address(0); both digests non-zero;
     * `imageDigest` never minted before. Emits {Transfer} and {ArtworkMinted}.
     */
    function mint(address to, bytes32 metadataDigest, bytes32 imageDigest, bytes calldata sealedMessage)
        external
        onlyRole(MINTER_ROLE)
        returns (uint256 tokenId)
    {
        return _mintArtwork(to, metadataDigest, imageDigest, sealedMessage);
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Requirements: voucher (signer, id) neither redeemed nor canceled; `block.timestamp <=
     * deadline`; `msg.value >= minDonation`; `voucher.signer` has MINTER_ROLE and `signature` is its
     * signature of {hashVoucher} (ECDSA for an EOA, ERC-1271 for a contract); when the voucher names
     * a recipient and `sealedMessage` is non-empty, the caller is that recipient; the digests as for
     * {mint}. Emits {Transfer}, {ArtworkMinted} and {VoucherRedeemed}. The whole `msg.value` is kept
     * as a donation.
     *
     * IMPORTANT: a voucher naming a recipient stays open to anyone as a gift (the token still goes
     * to the recipient), but only the recipient may attach a sealed message. Otherwise anyone who
     * copies the recipient's pending redemption could front-run it and bind their own envelope to
     * the recipient's token forever ({SealedMessageNotFromRecipient}).
     *
     * IMPORTANT: a voucher's state is keyed by (signer, id): another minter signing the same id
     * writes a different key and cannot use up or cancel this one. A contract-wallet signer's
     * approval is checked now (ERC-1271 signatures can be revoked); removing MINTER_ROLE from a
     * signer invalidates its outstanding vouchers for good (the address can never be a minter
     * again: {MinterRetired}).
     */
    function redeem(Voucher calldata voucher, bytes calldata signature, bytes calldata sealedMessage)
        public
        payable
        virtual
        returns (uint256 tokenId)
    {
        address signer = voucher.signer;
        bytes32 id = voucher.id;
        _requireOpen(signer, id);
        if (block.timestamp > voucher.deadline) revert VoucherExpired(id, voucher.deadline, block.timestamp);
        if (msg.value < voucher.minDonation) revert DonationTooLow(id, msg.value, voucher.minDonation);
        if (!hasRole(MINTER_ROLE, signer)) revert VoucherSignerNotMinter(id, signer);
        address recipient = voucher.recipient;
        if (recipient != address(0) && sealedMessage.length != 0 && _msgSender() != recipient) {
            revert SealedMessageNotFromRecipient(id, _msgSender());
        }
        if (!SignatureChecker.isValidSignatureNow(signer, _hashVoucher(voucher), signature)) {
            revert InvalidVoucherSignature(id, signer);
        }
        _voucherStates[signer][id] = VoucherState.Redeemed;
        address to = recipient == address(0) ? _msgSender() : recipient;
        tokenId = _mintArtwork(to, voucher.metadataDigest, voucher.imageDigest, sealedMessage);
        emit VoucherRedeemed(signer, id, tokenId, _msgSender(), msg.value);
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Requirements: the caller is `signer` or has DEFAULT_ADMIN_ROLE; the voucher is neither
     * redeemed nor canceled. Emits {VoucherCanceled}. Works on any id, also one never shown on chain
     * (vouchers live off chain until redeemed), and needs no role of the signer: a minter whose role
     * was revoked can still withdraw its offers for good.
     */
    function cancelVoucher(address signer, bytes32 id) external {
        if (_msgSender() != signer && !hasRole(DEFAULT_ADMIN_ROLE, _msgSender())) {
            revert NotVoucherCanceler(signer, id, _msgSender());
        }
        _requireOpen(signer, id);
        _voucherStates[signer][id] = VoucherState.Canceled;
        emit VoucherCanceled(signer, id, _msgSender());
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Requirements: the token exists and the caller owns it (approved operators may not burn).
     * Emits {Transfer} to address(0).
     */
    function burn(uint256 tokenId) external {
        address owner = _requireOwned(tokenId);
        if (owner != _msgSender()) revert NotTokenOwner(tokenId, _msgSender());
        _burn(tokenId);
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Requirements: `payee` holds shares and has something due. Emits {PaymentReleased}. Sends
     * with all gas, so a payee may be a contract (a Safe); the builds' reentrancy guard, and the bookkeeping
     * and event before the call, keep that safe.
     */
    function release(address payable payee) public virtual {
        if (_shares[payee] == 0) revert NotPayee(payee);
        uint256 due = _releasable(payee);
        if (due == 0) revert NothingDue(payee);
        // Cannot overflow: the sum of all releases is at most the Ether ever received.
        unchecked {
            _released[payee] += due;
            _totalReleased += due;
        }
        emit PaymentReleased(payee, due);
        Address.sendValue(payee, due);
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Requirements: caller has DEFAULT_ADMIN_ROLE; OpenZeppelin's {ERC2981-_setDefaultRoyalty}
     * checks. Emits {DefaultRoyaltyUpdated}.
     */
    function setDefaultRoyalty(address receiver, uint96 feeNumerator) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setDefaultRoyalty(receiver, feeNumerator);
        emit DefaultRoyaltyUpdated(receiver, feeNumerator);
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Requirements: caller has DEFAULT_ADMIN_ROLE. Emits {ContractURIUpdated}.
     */
    function setContractURI(string calldata uri) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _contractURI = uri;
        emit ContractURIUpdated();
    }

    /// @inheritdoc IProvenanceArt
    function contractURI() external view returns (string memory) {
        return _contractURI;
    }

    /**
     * @inheritdoc IProvenanceArt
     * @dev Reverts with {UnknownToken} for an id never minted.
     */
    function recordOf(uint256 tokenId) external view returns (bytes32 metadataDigest) {
        metadataDigest = _metadataOf[tokenId];
        if (metadataDigest == 0) revert UnknownToken(tokenId);
    }

    /// @inheritdoc IProvenanceArt
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32) {
        return _hashVoucher(voucher);
    }

    /// @inheritdoc IProvenanceArt
    function voucherState(address signer, bytes32 id) external view returns (VoucherState) {
        return _voucherStates[signer][id];
    }

    /// @inheritdoc IProvenanceArt
    function minterRetired(address account) external view returns (bool) {
        return _retiredMinters[account];
    }

    /// @inheritdoc IProvenanceArt
    function payees() external view returns (address[] memory) {
        return _payees;
    }

    /// @inheritdoc IProvenanceArt
    function shares(address account) external view returns (uint256) {
        return _shares[account];
    }

    /// @inheritdoc IProvenanceArt
    function totalShares() external view returns (uint256) {
        return _totalShares;
    }

    /// @inheritdoc IProvenanceArt
    function released(address account) external view returns (uint256) {
        return _released[account];
    }

    /// @inheritdoc IProvenanceArt
    function totalReleased() external view returns (uint256) {
        return _totalReleased;
    }

    /// @inheritdoc IProvenanceArt
    function releasable(address account) external view returns (uint256) {
        return _releasable(account);
    }

    /// @inheritdoc IProvenanceArt
    function totalDonations() external view returns (uint256) {
        return address(this).balance + _totalReleased;
    }

    /**
     * @notice `ipfs://` + the CIDv1 (raw codec, base32) of the token's metadata, derived on chain.
     * @dev Reverts with {ERC721NonexistentToken} for a burned or never-minted token.
     */
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return CidV1.ipfsUriOfRawSha256(_metadataOf[tokenId]);
    }

    /// @notice ERC-165: ERC-721 (+ metadata), ERC-2981, AccessControl (+ default admin rules), IProvenanceArt, ERC-165.
    function supportsInterface(bytes4 interfaceId)
        public
        view
        override(ERC721, ERC2981, AccessControlDefaultAdminRules)
        returns (bool)
    {
        return interfaceId == type(IProvenanceArt).interfaceId || super.supportsInterface(interfaceId);
    }

    function _mintArtwork(address to, bytes32 metadataDigest, bytes32 imageDigest, bytes calldata sealedMessage)
        private
        returns (uint256 tokenId)
    {
        if (metadataDigest == 0 || imageDigest == 0) revert ZeroDigest(metadataDigest, imageDigest);
        tokenId = uint256(imageDigest);
        // The record slot is the "minted ever" flag: non-zero from the first mint on, burns included.
        if (_metadataOf[tokenId] != 0) revert ImageAlreadyMinted(imageDigest);
        _metadataOf[tokenId] = metadataDigest;
        _mint(to, tokenId);
        emit ArtworkMinted(tokenId, to, metadataDigest, keccak256(sealedMessage), sealedMessage);
    }

    /**
     * @dev Every grant goes through here: a retired minter is refused ({MinterRetired}).
     *
     * IMPORTANT: vouchers carry no issue time, so a minter granted again would make every voucher
     * it signed before its revocation redeemable again. Retiring the address for good closes that:
     * revocation stays final; a minter to be trusted again gets a fresh address.
     */
    function _grantRole(bytes32 role, address account) internal override returns (bool) {
        if (role == MINTER_ROLE && _retiredMinters[account]) revert MinterRetired(account);
        return super._grantRole(role, account);
    }

    /// @dev Every revocation and renunciation goes through here: a minter that loses the role is
    /// retired (see {_grantRole}).
    function _revokeRole(bytes32 role, address account) internal override returns (bool revoked) {
        revoked = super._revokeRole(role, account);
        if (revoked && role == MINTER_ROLE) _retiredMinters[account] = true;
    }

    /// @dev Checked before OpenZeppelin's constructor sees it, so a zero admin reverts with this
    /// contract's own error, as it always did.
    function _nonZeroAdmin(address admin) private pure returns (address) {
        if (admin == address(0)) revert InvalidAdmin(admin);
        return admin;
    }

    function _requireOpen(address signer, bytes32 id) private view {
        VoucherState state = _voucherStates[signer][id];
        if (state == VoucherState.Redeemed) revert VoucherAlreadyRedeemed(signer, id);
        if (state == VoucherState.Canceled) revert VoucherAlreadyCanceled(signer, id);
    }

    function _addPayee(address account, uint256 accountShares) private {
        if (account == address(0)) revert InvalidPayee(account);
        if (accountShares == 0) revert ZeroShares(account);
        if (_shares[account] != 0) revert DuplicatePayee(account);
        _payees.push(account);
        _shares[account] = accountShares;
        _totalShares += accountShares;
        emit PayeeAdded(account, accountShares);
    }

    /// @dev OpenZeppelin PaymentSplitter's formula: a payee's cut of all Ether ever received, rounded
    /// down, minus what it already got. The rounding dust (under one wei per payee) stays in the
    /// contract and is paid out as later donations lift each cut past the next whole wei. mulDiv
    /// keeps the product exact for any share counts.
    function _releasable(address account) private view returns (uint256) {
        uint256 totalReceived = address(this).balance + _totalReleased;
        return Math.mulDiv(totalReceived, _shares[account], _totalShares) - _released[account];
    }

    function _hashVoucher(Voucher calldata voucher) private view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    _VOUCHER_TYPEHASH,
                    voucher.signer,
                    voucher.recipient,
                    voucher.metadataDigest,
                    voucher.imageDigest,
                    voucher.minDonation,
                    voucher.deadline,
                    voucher.id
                )
            )
        );
    }
}
