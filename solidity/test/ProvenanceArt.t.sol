// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IProvenanceArt} from "../src/IProvenanceArt.sol";
import {ProvenanceArt} from "../src/ProvenanceArt.sol";
import {ERC1271Wallet, RejectingBeneficiary, ReentrantBeneficiary} from "./Mocks.sol";

contract ProvenanceArtTest is Test {
    using Strings for uint256;
    using Strings for address;

    ProvenanceArt internal art;

    uint256 internal constant ARTIST_KEY = 0xA11CE;
    address internal artist;
    address internal constant ROYALTY = address(0x4041);
    address internal constant DONOR = address(0xD0);
    address internal constant STRANGER = address(0x57);
    // Immutable, not constant: a constant sha256() is a precompile call at each use, which would eat vm.prank.
    bytes32 internal immutable META = sha256("metadata");
    bytes32 internal immutable IMAGE = sha256("image");
    bytes internal constant MESSAGE = '{"version":"secp256k1-ecies","ciphertext":"AAAA"}';

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    function setUp() public {
        artist = vm.addr(ARTIST_KEY);
        art = new ProvenanceArt("Provenance", "PROV", artist, ROYALTY, 750, "ipfs://collection");
        vm.deal(DONOR, 100 ether);
        vm.deal(STRANGER, 100 ether);
    }

    // ---------------------------------------------------------------- construction and views

    function test_Constructor() public view {
        assertEq(art.name(), "Provenance");
        assertEq(art.symbol(), "PROV");
        assertTrue(art.hasRole(art.DEFAULT_ADMIN_ROLE(), artist));
        assertTrue(art.hasRole(art.MINTER_ROLE(), artist));
        assertEq(art.MINTER_ROLE(), keccak256("MINTER_ROLE"));
        (address receiver, uint256 amount) = art.royaltyInfo(1, 10_000);
        assertEq(receiver, ROYALTY);
        assertEq(amount, 750);
        assertEq(art.contractURI(), "ipfs://collection");
        assertEq(art.totalMinted(), 0);
    }

    function test_Constructor_EmitsEvents() public {
        vm.expectEmit(true, true, true, true);
        emit IProvenanceArt.DefaultRoyaltyUpdated(ROYALTY, 100);
        vm.expectEmit(true, true, true, true);
        emit IProvenanceArt.ContractURIUpdated();
        new ProvenanceArt("P", "P", artist, ROYALTY, 100, "");
    }

    function test_RevertWhen_ConstructorAdminIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidAdmin.selector, address(0)));
        new ProvenanceArt("P", "P", address(0), ROYALTY, 100, "");
    }

    function test_RevertWhen_ConstructorRoyaltyReceiverIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(ERC2981.ERC2981InvalidDefaultRoyaltyReceiver.selector, address(0)));
        new ProvenanceArt("P", "P", artist, address(0), 100, "");
    }

    function test_RevertWhen_ConstructorRoyaltyAboveDenominator() public {
        vm.expectRevert(abi.encodeWithSelector(ERC2981.ERC2981InvalidDefaultRoyalty.selector, 10_001, 10_000));
        new ProvenanceArt("P", "P", artist, ROYALTY, 10_001, "");
    }

    function test_SupportsInterface() public view {
        assertTrue(art.supportsInterface(type(IERC165).interfaceId));
        assertTrue(art.supportsInterface(type(IERC721).interfaceId));
        assertTrue(art.supportsInterface(type(IERC721Metadata).interfaceId));
        assertTrue(art.supportsInterface(type(IERC2981).interfaceId));
        assertTrue(art.supportsInterface(type(IAccessControl).interfaceId));
        assertTrue(art.supportsInterface(type(IProvenanceArt).interfaceId));
        // The published ids, so a change in an imported interface cannot hide a change here.
        assertTrue(art.supportsInterface(0x80ac58cd));
        assertTrue(art.supportsInterface(0x5b5e139f));
        assertTrue(art.supportsInterface(0x2a55205a));
        assertFalse(art.supportsInterface(0xffffffff));
        assertFalse(art.supportsInterface(0x780e9d63)); // ERC721Enumerable: not implemented
    }

    // ---------------------------------------------------------------- mint

    function test_Mint() public {
        vm.expectEmit(true, true, true, true, address(art));
        emit Transfer(address(0), DONOR, 1);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ArtworkMinted(1, DONOR, IMAGE, META, keccak256(MESSAGE), MESSAGE);
        vm.prank(artist);
        uint256 tokenId = art.mint(DONOR, META, IMAGE, MESSAGE);

        assertEq(tokenId, 1);
        assertEq(art.ownerOf(1), DONOR);
        assertEq(art.balanceOf(DONOR), 1);
        assertEq(art.totalMinted(), 1);
        assertEq(art.tokenOfImage(IMAGE), 1);
        IProvenanceArt.Record memory record = art.recordOf(1);
        assertEq(record.metadataDigest, META);
        assertEq(record.imageDigest, IMAGE);
    }

    function test_Mint_IdsCountUpFromOne() public {
        vm.startPrank(artist);
        for (uint256 i = 1; i <= 5; ++i) {
            assertEq(art.mint(DONOR, sha256(abi.encode("m", i)), sha256(abi.encode("i", i)), ""), i);
        }
        vm.stopPrank();
        assertEq(art.totalMinted(), 5);
        assertEq(art.balanceOf(DONOR), 5);
    }

    function test_Mint_WithoutMessageHashesEmptyBytes() public {
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ArtworkMinted(1, DONOR, IMAGE, META, keccak256(""), "");
        vm.prank(artist);
        art.mint(DONOR, META, IMAGE, "");
        // keccak256 of empty input, as every Ethereum client knows it.
        assertEq(keccak256(""), 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470);
    }

    function test_Mint_ByGrantedMinter() public {
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.grantRole(role, STRANGER);
        vm.prank(STRANGER);
        assertEq(art.mint(DONOR, META, IMAGE, ""), 1);
    }

    function test_Mint_SameMetadataDifferentImage() public {
        vm.startPrank(artist);
        art.mint(DONOR, META, IMAGE, "");
        assertEq(art.mint(DONOR, META, sha256("other image"), ""), 2);
        vm.stopPrank();
    }

    function test_RevertWhen_MintCallerNotMinter() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, art.MINTER_ROLE()
            )
        );
        vm.prank(STRANGER);
        art.mint(DONOR, META, IMAGE, "");
    }

    function test_RevertWhen_MintByRevokedMinter() public {
        bytes32 role = art.MINTER_ROLE();
        vm.startPrank(artist);
        art.grantRole(role, STRANGER);
        art.revokeRole(role, STRANGER);
        vm.stopPrank();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, role)
        );
        vm.prank(STRANGER);
        art.mint(DONOR, META, IMAGE, "");
    }

    function test_RevertWhen_MintImageAlreadyMinted() public {
        bytes32 otherMeta = sha256("other metadata");
        vm.startPrank(artist);
        art.mint(DONOR, META, IMAGE, "");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, IMAGE, 1));
        art.mint(STRANGER, otherMeta, IMAGE, MESSAGE);
        vm.stopPrank();
        assertEq(art.totalMinted(), 1);
    }

    function test_RevertWhen_MintImageOfBurnedToken() public {
        vm.prank(artist);
        art.mint(DONOR, META, IMAGE, "");
        vm.prank(DONOR);
        art.burn(1);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, IMAGE, 1));
        vm.prank(artist);
        art.mint(DONOR, META, IMAGE, "");
    }

    function test_RevertWhen_MintToZeroAddress() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721InvalidReceiver.selector, address(0)));
        vm.prank(artist);
        art.mint(address(0), META, IMAGE, "");
    }

    function test_RevertWhen_MintZeroMetadataDigest() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ZeroDigest.selector, bytes32(0), IMAGE));
        vm.prank(artist);
        art.mint(DONOR, bytes32(0), IMAGE, "");
    }

    function test_RevertWhen_MintZeroImageDigest() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ZeroDigest.selector, META, bytes32(0)));
        vm.prank(artist);
        art.mint(DONOR, META, bytes32(0), "");
    }

    function testFuzz_Mint(address to, bytes32 meta, bytes32 image, bytes calldata message) public {
        vm.assume(to != address(0) && meta != 0 && image != 0);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ArtworkMinted(1, to, image, meta, keccak256(message), message);
        vm.prank(artist);
        uint256 tokenId = art.mint(to, meta, image, message);
        assertEq(art.ownerOf(tokenId), to);
        assertEq(art.recordOf(tokenId).metadataDigest, meta);
        assertEq(art.recordOf(tokenId).imageDigest, image);
        assertEq(art.tokenOfImage(image), tokenId);
        assertEq(art.tokenURI(tokenId), _referenceUri(meta));
    }

    function testFuzz_RevertWhen_MintDuplicateImage(bytes32 image, bytes32 meta1, bytes32 meta2, uint8 before) public {
        vm.assume(image != 0 && meta1 != 0 && meta2 != 0);
        vm.startPrank(artist);
        for (uint256 i = 0; i < before % 4; ++i) {
            art.mint(DONOR, meta1, keccak256(abi.encode(image, i)), "");
        }
        uint256 first = art.mint(DONOR, meta1, image, "");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, image, first));
        art.mint(STRANGER, meta2, image, "");
        vm.stopPrank();
    }

    function testFuzz_RevertWhen_MintCallerNotMinter(address caller) public {
        vm.assume(caller != artist);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, caller, art.MINTER_ROLE())
        );
        vm.prank(caller);
        art.mint(DONOR, META, IMAGE, "");
    }

    // ---------------------------------------------------------------- tokenURI, records

    function test_TokenURI_PublishedVectors() public {
        vm.startPrank(artist);
        art.mint(DONOR, sha256(""), sha256("a"), "");
        art.mint(DONOR, sha256("hello"), sha256("b"), "");
        vm.stopPrank();
        // The raw-leaf CIDv1 of the empty file and of "hello", as `ipfs add --cid-version=1` prints them.
        assertEq(art.tokenURI(1), "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assertEq(art.tokenURI(2), "ipfs://bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq");
    }

    function test_TokenURI_ExtremeDigests() public {
        vm.startPrank(artist);
        art.mint(DONOR, bytes32(uint256(1)), sha256("a"), "");
        art.mint(DONOR, bytes32(type(uint256).max), sha256("b"), "");
        vm.stopPrank();
        assertEq(art.tokenURI(1), _referenceUri(bytes32(uint256(1))));
        assertEq(art.tokenURI(2), _referenceUri(bytes32(type(uint256).max)));
    }

    function test_RevertWhen_TokenURIOfUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        art.tokenURI(1);
    }

    function test_RevertWhen_TokenURIOfBurnedToken() public {
        _mintTo(DONOR);
        vm.prank(DONOR);
        art.burn(1);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        art.tokenURI(1);
    }

    function test_RecordOf_KeptAfterBurnAndTransfer() public {
        _mintTo(DONOR);
        vm.prank(DONOR);
        art.transferFrom(DONOR, STRANGER, 1);
        assertEq(art.recordOf(1).metadataDigest, META);
        vm.prank(STRANGER);
        art.burn(1);
        IProvenanceArt.Record memory record = art.recordOf(1);
        assertEq(record.metadataDigest, META);
        assertEq(record.imageDigest, IMAGE);
        assertEq(art.tokenOfImage(IMAGE), 1);
    }

    function test_RevertWhen_RecordOfTokenZero() public {
        _mintTo(DONOR);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.UnknownToken.selector, 0));
        art.recordOf(0);
    }

    function test_RevertWhen_RecordOfUnmintedToken() public {
        _mintTo(DONOR);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.UnknownToken.selector, 2));
        art.recordOf(2);
    }

    function test_TokenOfImage_ZeroWhenNeverMinted() public view {
        assertEq(art.tokenOfImage(IMAGE), 0);
    }

    // ---------------------------------------------------------------- burn

    function test_Burn() public {
        _mintTo(DONOR);
        vm.expectEmit(true, true, true, true, address(art));
        emit Transfer(DONOR, address(0), 1);
        vm.prank(DONOR);
        art.burn(1);
        assertEq(art.balanceOf(DONOR), 0);
        assertEq(art.totalMinted(), 1);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 1));
        art.ownerOf(1);
    }

    function test_RevertWhen_BurnByApprovedOperator() public {
        _mintTo(DONOR);
        vm.prank(DONOR);
        art.setApprovalForAll(STRANGER, true);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.NotTokenOwner.selector, 1, STRANGER));
        vm.prank(STRANGER);
        art.burn(1);
    }

    function test_RevertWhen_BurnByAdmin() public {
        _mintTo(DONOR);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.NotTokenOwner.selector, 1, artist));
        vm.prank(artist);
        art.burn(1);
    }

    function test_RevertWhen_BurnUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        vm.prank(DONOR);
        art.burn(7);
    }

    // ---------------------------------------------------------------- vouchers

    function test_HashVoucher_MatchesFoundryEip712() public view {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 1 ether, bytes32("id-1"));
        string memory json = string.concat(
            '{"types":{"EIP712Domain":[{"name":"name","type":"string"},{"name":"version","type":"string"},',
            '{"name":"chainId","type":"uint256"},{"name":"verifyingContract","type":"address"}],',
            '"Voucher":[{"name":"signer","type":"address"},{"name":"recipient","type":"address"},',
            '{"name":"metadataDigest","type":"bytes32"},{"name":"imageDigest","type":"bytes32"},',
            '{"name":"minDonation","type":"uint256"},{"name":"deadline","type":"uint64"},',
            '{"name":"id","type":"bytes32"}]},"primaryType":"Voucher",'
        );
        json = string.concat(
            json,
            '"domain":{"name":"ProvenanceArt","version":"1","chainId":',
            block.chainid.toString(),
            ',"verifyingContract":"',
            address(art).toHexString(),
            '"},"message":{"signer":"',
            v.signer.toHexString(),
            '","recipient":"0x0000000000000000000000000000000000000000","metadataDigest":"',
            uint256(v.metadataDigest).toHexString(32),
            '","imageDigest":"',
            uint256(v.imageDigest).toHexString(32)
        );
        json = string.concat(
            json,
            '","minDonation":"',
            v.minDonation.toString(),
            '","deadline":"',
            uint256(v.deadline).toString(),
            '","id":"',
            uint256(v.id).toHexString(32),
            '"}}'
        );
        assertEq(art.hashVoucher(v), vm.eip712HashTypedData(json));
    }

    function test_Redeem_ToRedeemer() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 1 ether, bytes32("id-1"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ArtworkMinted(1, DONOR, IMAGE, META, keccak256(MESSAGE), MESSAGE);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.VoucherRedeemed(v.id, 1, DONOR, 1.5 ether);
        vm.prank(DONOR);
        uint256 tokenId = art.redeem{value: 1.5 ether}(v, sig, MESSAGE);
        assertEq(tokenId, 1);
        assertEq(art.ownerOf(1), DONOR);
        assertEq(address(art).balance, 1.5 ether);
        assertTrue(art.isVoucherUsed(v.id));
    }

    function test_Redeem_ToNamedRecipient() public {
        IProvenanceArt.Voucher memory v = _voucher(DONOR, 0, bytes32("gift"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.prank(STRANGER);
        uint256 tokenId = art.redeem(v, sig, "");
        assertEq(art.ownerOf(tokenId), DONOR);
        assertEq(art.balanceOf(STRANGER), 0);
    }

    function test_Redeem_ToNamedRecipientWithMessageByRecipient() public {
        IProvenanceArt.Voucher memory v = _voucher(DONOR, 0, bytes32("gift-msg"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ArtworkMinted(1, DONOR, IMAGE, META, keccak256(MESSAGE), MESSAGE);
        vm.prank(DONOR);
        art.redeem(v, sig, MESSAGE);
        assertEq(art.ownerOf(1), DONOR);
    }

    function test_RevertWhen_RedeemNamedRecipientMessageFromOther() public {
        IProvenanceArt.Voucher memory v = _voucher(DONOR, 0, bytes32("front-run"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.SealedMessageNotFromRecipient.selector, v.id, STRANGER));
        vm.prank(STRANGER);
        art.redeem{value: 1 ether}(v, sig, MESSAGE);
        assertFalse(art.isVoucherUsed(v.id));
        assertEq(art.totalMinted(), 0);
        // The recipient's own redemption still goes through afterwards.
        vm.prank(DONOR);
        art.redeem(v, sig, MESSAGE);
        assertEq(art.ownerOf(1), DONOR);
    }

    function test_Redeem_AtDeadline() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("id"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.warp(v.deadline);
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        assertEq(art.ownerOf(1), DONOR);
    }

    function test_Redeem_ByErc1271Wallet() public {
        uint256 ownerKey = 0xB0B;
        ERC1271Wallet wallet = new ERC1271Wallet(vm.addr(ownerKey));
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.grantRole(role, address(wallet));
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("safe"));
        v.signer = address(wallet);
        bytes memory sig = _sign(ownerKey, v);
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        assertEq(art.ownerOf(1), DONOR);
    }

    function test_IsVoucherUsed_FalseBeforeRedeem() public view {
        assertFalse(art.isVoucherUsed(bytes32("id-1")));
    }

    function test_RevertWhen_RedeemVoucherUsed() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("once"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyUsed.selector, v.id));
        vm.prank(STRANGER);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RedeemVoucherExpired() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("late"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.warp(uint256(v.deadline) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceArt.VoucherExpired.selector, v.id, v.deadline, uint256(v.deadline) + 1)
        );
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RedeemDonationTooLow() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 1 ether, bytes32("cheap"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.DonationTooLow.selector, v.id, 1 ether - 1, 1 ether));
        vm.prank(DONOR);
        art.redeem{value: 1 ether - 1}(v, sig, "");
    }

    function test_RevertWhen_RedeemSignerNotMinter() public {
        uint256 key = 0xBAD;
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("forged"));
        v.signer = vm.addr(key);
        bytes memory sig = _sign(key, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherSignerNotMinter.selector, v.id, v.signer));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RedeemSignedByOtherKey() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("forged"));
        bytes memory sig = _sign(0xBAD, v); // claims the artist, signed by someone else
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, artist));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RedeemTamperedVoucher() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 1 ether, bytes32("tamper"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        v.minDonation = 0;
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, artist));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RedeemMalformedSignature() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("short"));
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, artist));
        vm.prank(DONOR);
        art.redeem(v, hex"1234", "");
    }

    function test_RevertWhen_RedeemSignedForOtherContract() public {
        ProvenanceArt other = new ProvenanceArt("Provenance", "PROV", artist, ROYALTY, 750, "ipfs://collection");
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("replay"));
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(ARTIST_KEY, other.hashVoucher(v));
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, artist));
        vm.prank(DONOR);
        art.redeem(v, abi.encodePacked(r, s, vv), "");
    }

    function test_RevertWhen_RedeemSignedForOtherChain() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("replay"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.chainId(block.chainid + 1);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, artist));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RedeemErc1271WalletRejects() public {
        ERC1271Wallet wallet = new ERC1271Wallet(vm.addr(0xB0B));
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.grantRole(role, address(wallet));
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("safe"));
        v.signer = address(wallet);
        bytes memory sig = _sign(0xBAD, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, address(wallet)));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RedeemImageAlreadyMinted() public {
        _mintTo(STRANGER);
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("dup"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, IMAGE, 1));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        assertFalse(art.isVoucherUsed(v.id));
    }

    function testFuzz_Redeem(uint256 minDonation, uint256 extra, address redeemer, bytes calldata message) public {
        minDonation = bound(minDonation, 0, 1_000 ether);
        extra = bound(extra, 0, 1_000 ether);
        vm.assume(redeemer != address(0) && redeemer.code.length == 0);
        vm.deal(redeemer, minDonation + extra);
        IProvenanceArt.Voucher memory v = _voucher(address(0), minDonation, keccak256(abi.encode(redeemer)));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.prank(redeemer);
        uint256 tokenId = art.redeem{value: minDonation + extra}(v, sig, message);
        assertEq(art.ownerOf(tokenId), redeemer);
        assertEq(address(art).balance, minDonation + extra);
    }

    function testFuzz_RedeemNamedRecipientMessageOnlyFromRecipient(
        address recipient,
        address caller,
        bool byRecipient,
        bytes calldata message
    ) public {
        // Random addresses almost never coincide: half the runs redeem as the recipient itself.
        if (byRecipient) caller = recipient;
        vm.assume(recipient != address(0) && caller != address(0) && caller.code.length == 0);
        IProvenanceArt.Voucher memory v = _voucher(recipient, 0, keccak256(abi.encode(recipient, caller)));
        bytes memory sig = _sign(ARTIST_KEY, v);
        bool refused = message.length != 0 && caller != recipient;
        if (refused) {
            vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.SealedMessageNotFromRecipient.selector, v.id, caller));
        }
        vm.prank(caller);
        art.redeem(v, sig, message);
        assertEq(art.isVoucherUsed(v.id), !refused);
        assertEq(art.totalMinted(), refused ? 0 : 1);
        if (!refused) assertEq(art.ownerOf(1), recipient);
    }

    function testFuzz_RevertWhen_RedeemSignedByWrongKey(uint256 key) public {
        key = bound(key, 1, SECP256K1_ORDER - 1);
        vm.assume(key != ARTIST_KEY);
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("fuzz"));
        bytes memory sig = _sign(key, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, artist));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function testFuzz_RedeemByErc1271Wallet(uint256 ownerKey, uint256 signingKey) public {
        ownerKey = bound(ownerKey, 1, SECP256K1_ORDER - 1);
        signingKey = bound(signingKey, 1, SECP256K1_ORDER - 1);
        ERC1271Wallet wallet = new ERC1271Wallet(vm.addr(ownerKey));
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.grantRole(role, address(wallet));
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("fuzz-safe"));
        v.signer = address(wallet);
        bytes memory sig = _sign(signingKey, v);
        if (vm.addr(signingKey) != vm.addr(ownerKey)) {
            vm.expectRevert(
                abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, address(wallet))
            );
        }
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function testFuzz_RevertWhen_RedeemDonationTooLow(uint256 minDonation, uint256 paid) public {
        minDonation = bound(minDonation, 1, 100 ether);
        paid = bound(paid, 0, minDonation - 1);
        IProvenanceArt.Voucher memory v = _voucher(address(0), minDonation, bytes32("low"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.DonationTooLow.selector, v.id, paid, minDonation));
        vm.prank(DONOR);
        art.redeem{value: paid}(v, sig, "");
    }

    // ---------------------------------------------------------------- withdraw

    function test_Withdraw() public {
        _donate(3 ether);
        address payable beneficiary = payable(address(0xBEEF));
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.DonationsWithdrawn(beneficiary, 2 ether);
        vm.prank(artist);
        art.withdraw(beneficiary, 2 ether);
        assertEq(beneficiary.balance, 2 ether);
        assertEq(address(art).balance, 1 ether);
    }

    function test_RevertWhen_WithdrawNotAdmin() public {
        _donate(1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        vm.prank(STRANGER);
        art.withdraw(payable(STRANGER), 1 ether);
    }

    function test_RevertWhen_WithdrawByMinterOnly() public {
        _donate(1 ether);
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.grantRole(role, STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        vm.prank(STRANGER);
        art.withdraw(payable(STRANGER), 1 ether);
    }

    function test_RevertWhen_WithdrawToZeroAddress() public {
        _donate(1 ether);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidBeneficiary.selector, address(0)));
        vm.prank(artist);
        art.withdraw(payable(address(0)), 1 ether);
    }

    function test_RevertWhen_WithdrawMoreThanDonated() public {
        _donate(1 ether);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InsufficientDonations.selector, 1 ether + 1, 1 ether));
        vm.prank(artist);
        art.withdraw(payable(artist), 1 ether + 1);
    }

    function test_RevertWhen_WithdrawBeneficiaryRejects() public {
        _donate(1 ether);
        RejectingBeneficiary beneficiary = new RejectingBeneficiary();
        vm.expectRevert(RejectingBeneficiary.NoThanks.selector);
        vm.prank(artist);
        art.withdraw(payable(address(beneficiary)), 1 ether);
    }

    function test_RevertWhen_WithdrawReentered() public {
        _donate(2 ether);
        ReentrantBeneficiary beneficiary = new ReentrantBeneficiary();
        beneficiary.setTarget(art);
        bytes32 admin = art.DEFAULT_ADMIN_ROLE();
        vm.prank(artist);
        art.grantRole(admin, address(beneficiary));
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.prank(artist);
        art.withdraw(payable(address(beneficiary)), 1 ether);
        assertEq(address(art).balance, 2 ether);
    }

    function testFuzz_Withdraw(uint256 donated, uint256 amount) public {
        donated = bound(donated, 0, 1_000 ether);
        amount = bound(amount, 0, donated);
        _donate(donated);
        vm.prank(artist);
        art.withdraw(payable(address(0xBEEF)), amount);
        assertEq(address(0xBEEF).balance, amount);
        assertEq(address(art).balance, donated - amount);
    }

    function test_RevertWhen_PlainTransferToContract() public {
        vm.prank(DONOR);
        (bool ok,) = address(art).call{value: 1 ether}("");
        assertFalse(ok, "donations come only through redeem");
    }

    // ---------------------------------------------------------------- royalties, contract URI

    function test_SetDefaultRoyalty() public {
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.DefaultRoyaltyUpdated(STRANGER, 1_000);
        vm.prank(artist);
        art.setDefaultRoyalty(STRANGER, 1_000);
        (address receiver, uint256 amount) = art.royaltyInfo(1, 1 ether);
        assertEq(receiver, STRANGER);
        assertEq(amount, 0.1 ether);
    }

    function test_RevertWhen_SetDefaultRoyaltyNotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        vm.prank(STRANGER);
        art.setDefaultRoyalty(STRANGER, 1_000);
    }

    function test_RevertWhen_SetDefaultRoyaltyTooHigh() public {
        vm.expectRevert(abi.encodeWithSelector(ERC2981.ERC2981InvalidDefaultRoyalty.selector, 10_001, 10_000));
        vm.prank(artist);
        art.setDefaultRoyalty(STRANGER, 10_001);
    }

    function test_SetContractURI() public {
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ContractURIUpdated();
        vm.prank(artist);
        art.setContractURI("ipfs://new");
        assertEq(art.contractURI(), "ipfs://new");
    }

    function test_RevertWhen_SetContractURINotAdmin() public {
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        vm.prank(STRANGER);
        art.setContractURI("ipfs://new");
    }

    // ---------------------------------------------------------------- helpers

    function _mintTo(address to) internal {
        vm.prank(artist);
        art.mint(to, META, IMAGE, MESSAGE);
    }

    function _donate(uint256 amount) internal {
        IProvenanceArt.Voucher memory v = _voucher(address(0), amount, keccak256(abi.encode("donate", amount)));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.deal(DONOR, amount);
        vm.prank(DONOR);
        art.redeem{value: amount}(v, sig, "");
    }

    function _voucher(address recipient, uint256 minDonation, bytes32 id)
        internal
        view
        returns (IProvenanceArt.Voucher memory)
    {
        return IProvenanceArt.Voucher({
            signer: artist,
            recipient: recipient,
            metadataDigest: META,
            imageDigest: IMAGE,
            minDonation: minDonation,
            deadline: uint64(block.timestamp + 1 days),
            id: id
        });
    }

    function _sign(uint256 key, IProvenanceArt.Voucher memory v) internal view returns (bytes memory) {
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(key, art.hashVoucher(v));
        return abi.encodePacked(r, s, vv);
    }

    /// @dev RFC 4648 base32 (lower case, unpadded) written the textbook way, bit by bit over the bytes
    /// of the CID, independent of the shift arithmetic in CidV1.
    function _referenceUri(bytes32 digest) internal pure returns (string memory) {
        bytes memory cid = abi.encodePacked(hex"01551220", digest);
        bytes memory alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        bytes memory out = new bytes((cid.length * 8 + 4) / 5);
        uint256 buffer;
        uint256 bits;
        uint256 n;
        for (uint256 i = 0; i < cid.length; ++i) {
            buffer = (buffer << 8) | uint8(cid[i]);
            bits += 8;
            while (bits >= 5) {
                bits -= 5;
                out[n++] = alphabet[(buffer >> bits) & 31];
            }
        }
        if (bits > 0) out[n++] = alphabet[(buffer << (5 - bits)) & 31];
        return string.concat("ipfs://b", string(out));
    }
}
