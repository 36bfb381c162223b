// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {CidV1} from "./CidV1.sol";
import {IProvenanceArt} from "./IProvenanceArt.sol";

/**
 * @title ProvenanceArt
 * @notice ERC-721 collection of an artist's works with on-chain provenance: per token the sha256 of
 * its metadata JSON (from which `tokenURI` is derived) and of its image; each image once per
 * collection; sealed donor messages carried in the mint event; donations through EIP-712 vouchers.
 *
 * @dev Storage per mint, besides OpenZeppelin's owner and balance slots: two record slots keyed by
 * token id and one reverse-lookup slot keyed by image digest (all three needed: 64 bytes of digests
 * must be readable from the token id, and the token id from the image digest), plus the shared
 * counter. The message hash is not stored: the event carries it and the envelope, and the metadata
 * JSON (committed by `metadataDigest`) embeds the envelope; storing it would cost 22,100 gas a mint.
 *
 * Mints use `_mint`, not `_safeMint`: no call into the recipient during a mint (no reentrancy surface,
 * 2,600+ gas less). A recipient contract that cannot handle ERC-721 tokens must not be named.
 *
 * Roles: DEFAULT_ADMIN_ROLE (the artist) manages roles, royalties, the contract URI and withdraws
 * donations; MINTER_ROLE mints and signs vouchers.
 */
contract ProvenanceArt is ERC721, ERC2981, AccessControl, EIP712, ReentrancyGuardTransient, IProvenanceArt {
    /// @inheritdoc IProvenanceArt
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");

    bytes32 private constant _VOUCHER_TYPEHASH = keccak256(
        "Voucher(address signer,address recipient,bytes32 metadataDigest,bytes32 imageDigest,uint256 minDonation,uint64 deadline,bytes32 id)"
    );

    uint256 private _totalMinted;
    string private _contractURI;
    mapping(uint256 tokenId => Record) private _records;
    mapping(bytes32 imageDigest => uint256 tokenId) private _tokenOfImage;
    mapping(bytes32 voucherId => bool used) private _usedVouchers;

    /**
     * @param name_ ERC-721 name.
     * @param symbol_ ERC-721 symbol.
     * @param admin The artist: gets DEFAULT_ADMIN_ROLE and MINTER_ROLE.
     * @param royaltyReceiver Default ERC-2981 royalty receiver.
     * @param royaltyBps Default royalty in basis points (at most 10,000).
     * @param contractURI_ ERC-7572 contract-level metadata URI.
     * @dev Requirements: `admin` is not address(0); `royaltyReceiver` is not address(0).
     */
    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        address royaltyReceiver,
        uint96 royaltyBps,
        string memory contractURI_
    ) ERC721(name_, symbol_) EIP712("ProvenanceArt", "1") {
        if (admin == address(0)) revert InvalidAdmin(admin);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
        _setDefaultRoyalty(royaltyReceiver, royaltyBps);
        emit DefaultRoyaltyUpdated(royaltyReceiver, royaltyBps);
        _contractURI = contractURI_;
        emit ContractURIUpdated();
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
     * @dev Requirements: voucher id unused; `block.timestamp <= deadline`; `msg.value >= minDonation`;
     * `voucher.signer` has MINTER_ROLE and `signature` is its signature of {hashVoucher} (ECDSA for
     * an EOA, ERC-1271 for a contract); when the voucher names a recipient and `sealedMessage` is
     * non-empty, the caller is that recipient; the digests as for {mint}. Emits {Transfer},
     * {ArtworkMinted} and {VoucherRedeemed}. The whole `msg.value` is kept as a donation.
     *
     * IMPORTANT: a voucher naming a recipient stays open to anyone as a gift (the token still goes
     * to the recipient), but only the recipient may attach a sealed message. Otherwise anyone who
     * copies the recipient's pending redemption could front-run it and bind their own envelope to
     * the recipient's token forever ({SealedMessageNotFromRecipient}).
     *
     * IMPORTANT: a contract-wallet signer's approval is checked now (ERC-1271 signatures can be
     * revoked); removing MINTER_ROLE from a signer invalidates its outstanding vouchers.
     */
    function redeem(Voucher calldata voucher, bytes calldata signature, bytes calldata sealedMessage)
        external
        payable
        nonReentrant
        returns (uint256 tokenId)
    {
        bytes32 id = voucher.id;
        if (_usedVouchers[id]) revert VoucherAlreadyUsed(id);
        if (block.timestamp > voucher.deadline) revert VoucherExpired(id, voucher.deadline, block.timestamp);
        if (msg.value < voucher.minDonation) revert DonationTooLow(id, msg.value, voucher.minDonation);
        if (!hasRole(MINTER_ROLE, voucher.signer)) revert VoucherSignerNotMinter(id, voucher.signer);
        address recipient = voucher.recipient;
        if (recipient != address(0) && sealedMessage.length != 0 && _msgSender() != recipient) {
            revert SealedMessageNotFromRecipient(id, _msgSender());
        }
        if (!SignatureChecker.isValidSignatureNowCalldata(voucher.signer, _hashVoucher(voucher), signature)) {
            revert InvalidVoucherSignature(id, voucher.signer);
        }
        _usedVouchers[id] = true;
        address to = recipient == address(0) ? _msgSender() : recipient;
        tokenId = _mintArtwork(to, voucher.metadataDigest, voucher.imageDigest, sealedMessage);
        emit VoucherRedeemed(id, tokenId, _msgSender(), msg.value);
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
     * @dev Requirements: caller has DEFAULT_ADMIN_ROLE; `beneficiary` is not address(0); `amount` at
     * most the balance. Emits {DonationsWithdrawn}. Sends with all gas, so the beneficiary may be a
     * contract; the reentrancy guard and the event before the call keep that safe.
     */
    function withdraw(address payable beneficiary, uint256 amount) external onlyRole(DEFAULT_ADMIN_ROLE) nonReentrant {
        if (beneficiary == address(0)) revert InvalidBeneficiary(beneficiary);
        uint256 available = address(this).balance;
        if (amount > available) revert InsufficientDonations(amount, available);
        emit DonationsWithdrawn(beneficiary, amount);
        Address.sendValue(beneficiary, amount);
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
    function recordOf(uint256 tokenId) external view returns (Record memory) {
        if (tokenId == 0 || tokenId > _totalMinted) revert UnknownToken(tokenId);
        return _records[tokenId];
    }

    /// @inheritdoc IProvenanceArt
    function tokenOfImage(bytes32 imageDigest) external view returns (uint256) {
        return _tokenOfImage[imageDigest];
    }

    /// @inheritdoc IProvenanceArt
    function totalMinted() external view returns (uint256) {
        return _totalMinted;
    }

    /// @inheritdoc IProvenanceArt
    function hashVoucher(Voucher calldata voucher) external view returns (bytes32) {
        return _hashVoucher(voucher);
    }

    /// @inheritdoc IProvenanceArt
    function isVoucherUsed(bytes32 id) external view returns (bool) {
        return _usedVouchers[id];
    }

    /**
     * @notice `ipfs://` + the CIDv1 (raw codec, base32) of the token's metadata, derived on chain.
     * @dev Reverts with {ERC721NonexistentToken} for a burned or never-minted token.
     */
    function tokenURI(uint256 tokenId) public view override returns (string memory) {
        _requireOwned(tokenId);
        return CidV1.ipfsUriOfRawSha256(_records[tokenId].metadataDigest);
    }

    /// @notice ERC-165: ERC-721 (+ metadata), ERC-2981, AccessControl, IProvenanceArt, ERC-165.
    function supportsInterface(bytes4 interfaceId) public view override(ERC721, ERC2981, AccessControl) returns (bool) {
        return interfaceId == type(IProvenanceArt).interfaceId || super.supportsInterface(interfaceId);
    }

    function _mintArtwork(address to, bytes32 metadataDigest, bytes32 imageDigest, bytes calldata sealedMessage)
        private
        returns (uint256 tokenId)
    {
        if (metadataDigest == 0 || imageDigest == 0) revert ZeroDigest(metadataDigest, imageDigest);
        uint256 existing = _tokenOfImage[imageDigest];
        if (existing != 0) revert ImageAlreadyMinted(imageDigest, existing);
        // Cannot overflow: one increment per mint, 2**256 mints are out of reach.
        unchecked {
            tokenId = ++_totalMinted;
        }
        _tokenOfImage[imageDigest] = tokenId;
        _records[tokenId] = Record({metadataDigest: metadataDigest, imageDigest: imageDigest});
        _mint(to, tokenId);
        emit ArtworkMinted(tokenId, to, imageDigest, metadataDigest, keccak256(sealedMessage), sealedMessage);
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
