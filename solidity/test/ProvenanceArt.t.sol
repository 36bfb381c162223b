// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IAccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/IAccessControlDefaultAdminRules.sol";
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
import {ProvenanceArtBase} from "../src/ProvenanceArtBase.sol";
import {ProvenanceArtShanghai} from "../src/ProvenanceArtShanghai.sol";
import {ERC1271Wallet, RejectingBeneficiary, ReentrantBeneficiary} from "./Mocks.sol";

contract ProvenanceArtTest is Test {
    using Strings for uint256;
    using Strings for address;

    ProvenanceArtBase internal art;

    uint256 internal constant ARTIST_KEY = 0xA11CE;
    uint256 internal constant PARTNER_KEY = 0xB0B;
    address internal artist;
    address internal partner;
    address internal constant ROYALTY = address(0x4041);
    address internal constant DONOR = address(0xD0);
    address internal constant STRANGER = address(0x57);
    // Immutable, not constant: a constant sha256() is a precompile call at each use, which would eat vm.prank.
    bytes32 internal immutable META = sha256("metadata");
    bytes32 internal immutable IMAGE = sha256("image");
    uint256 internal immutable TOKEN = uint256(sha256("image"));
    bytes internal constant MESSAGE = '{"version":"secp256k1-ecies","ciphertext":"AAAA"}';

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);

    function setUp() public {
        artist = vm.addr(ARTIST_KEY);
        partner = vm.addr(PARTNER_KEY);
        art = _deploy(artist, ROYALTY, 750, "ipfs://collection");
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
    }

    function test_Constructor_DefaultPayeeIsAdminAlone() public view {
        address[] memory list = art.payees();
        assertEq(list.length, 1);
        assertEq(list[0], artist);
        assertEq(art.shares(artist), 1);
        assertEq(art.totalShares(), 1);
        assertEq(art.totalReleased(), 0);
        assertEq(art.totalDonations(), 0);
    }

    function test_Constructor_EmitsEvents() public {
        vm.expectEmit(true, true, true, true);
        emit IProvenanceArt.DefaultRoyaltyUpdated(ROYALTY, 750);
        vm.expectEmit(true, true, true, true);
        emit IProvenanceArt.ContractURIUpdated();
        vm.expectEmit(true, true, true, true);
        emit IProvenanceArt.PayeeAdded(artist, 60);
        vm.expectEmit(true, true, true, true);
        emit IProvenanceArt.PayeeAdded(partner, 40);
        _deployWithPayees(_pair(artist, partner), _pair(60, 40));
    }

    function test_Constructor_TwoPayees() public {
        ProvenanceArtBase split = _deployWithPayees(_pair(artist, partner), _pair(60, 40));
        address[] memory list = split.payees();
        assertEq(list.length, 2);
        assertEq(list[0], artist);
        assertEq(list[1], partner);
        assertEq(split.shares(artist), 60);
        assertEq(split.shares(partner), 40);
        assertEq(split.shares(STRANGER), 0);
        assertEq(split.totalShares(), 100);
    }

    function test_RevertWhen_ConstructorAdminIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidAdmin.selector, address(0)));
        _deploy(address(0), ROYALTY, 100, "");
    }

    function test_RevertWhen_ConstructorRoyaltyReceiverIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(ERC2981.ERC2981InvalidDefaultRoyaltyReceiver.selector, address(0)));
        _deploy(artist, address(0), 100, "");
    }

    function test_RevertWhen_ConstructorRoyaltyAboveDenominator() public {
        vm.expectRevert(abi.encodeWithSelector(ERC2981.ERC2981InvalidDefaultRoyalty.selector, 10_001, 10_000));
        _deploy(artist, ROYALTY, 10_001, "");
    }

    function test_RevertWhen_ConstructorPayeesSharesMismatch() public {
        uint256[] memory one = new uint256[](1);
        one[0] = 1;
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.PayeesSharesMismatch.selector, 2, 1));
        _deployWithPayees(_pair(artist, partner), one);
    }

    function test_RevertWhen_ConstructorPayeeIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidPayee.selector, address(0)));
        _deployWithPayees(_pair(artist, address(0)), _pair(1, 1));
    }

    function test_RevertWhen_ConstructorZeroShares() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ZeroShares.selector, partner));
        _deployWithPayees(_pair(artist, partner), _pair(1, 0));
    }

    function test_RevertWhen_ConstructorDuplicatePayee() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.DuplicatePayee.selector, artist));
        _deployWithPayees(_pair(artist, artist), _pair(1, 2));
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
        assertTrue(art.supportsInterface(0x7965db0b));
        assertTrue(art.supportsInterface(0x01ffc9a7));
        assertFalse(art.supportsInterface(0xffffffff));
        assertFalse(art.supportsInterface(0x780e9d63)); // ERC721Enumerable: not implemented
    }

    // ---------------------------------------------------------------- mint

    function test_Mint() public {
        vm.expectEmit(true, true, true, true, address(art));
        emit Transfer(address(0), DONOR, TOKEN);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ArtworkMinted(TOKEN, DONOR, META, keccak256(MESSAGE), MESSAGE);
        vm.prank(artist);
        uint256 tokenId = art.mint(DONOR, META, IMAGE, MESSAGE);

        assertEq(tokenId, uint256(IMAGE));
        assertEq(art.ownerOf(uint256(sha256("image"))), DONOR);
        assertEq(art.balanceOf(DONOR), 1);
        assertEq(art.recordOf(tokenId), META);
    }

    function test_Mint_TokenIdIsImageSha256() public {
        bytes memory imageBytes = hex"89504e470d0a1a0a";
        bytes32 digest = sha256(imageBytes);
        vm.prank(artist);
        art.mint(DONOR, META, digest, "");
        // Anyone holding the file finds its owner without an index.
        assertEq(art.ownerOf(uint256(sha256(imageBytes))), DONOR);
        // And the id is what a sha256 tool prints for the file, as a number.
        assertEq(uint256(digest), 0x4c4b6a3be1314ab86138bef4314dde022e600960d8689a2c8f8631802d20dab6);
    }

    function test_Mint_SeveralToOneHolder() public {
        vm.startPrank(artist);
        for (uint256 i = 1; i <= 5; ++i) {
            bytes32 image = sha256(abi.encode("i", i));
            assertEq(art.mint(DONOR, sha256(abi.encode("m", i)), image, ""), uint256(image));
        }
        vm.stopPrank();
        assertEq(art.balanceOf(DONOR), 5);
    }

    function test_Mint_WithoutMessageHashesEmptyBytes() public {
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.ArtworkMinted(TOKEN, DONOR, META, keccak256(""), "");
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
        assertEq(art.mint(DONOR, META, IMAGE, ""), TOKEN);
    }

    function test_Mint_SameMetadataDifferentImage() public {
        vm.startPrank(artist);
        art.mint(DONOR, META, IMAGE, "");
        assertEq(art.mint(DONOR, META, sha256("other image"), ""), uint256(sha256("other image")));
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
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, IMAGE));
        art.mint(STRANGER, otherMeta, IMAGE, MESSAGE);
        vm.stopPrank();
        assertEq(art.ownerOf(TOKEN), DONOR);
        assertEq(art.recordOf(TOKEN), META);
    }

    function test_RevertWhen_MintImageOfBurnedToken() public {
        vm.prank(artist);
        art.mint(DONOR, META, IMAGE, "");
        vm.prank(DONOR);
        art.burn(TOKEN);
        bytes32 newMeta = sha256("new metadata");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, IMAGE));
        vm.prank(artist);
        art.mint(DONOR, newMeta, IMAGE, "");
        assertEq(art.recordOf(TOKEN), META);
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
        emit IProvenanceArt.ArtworkMinted(uint256(image), to, meta, keccak256(message), message);
        vm.prank(artist);
        uint256 tokenId = art.mint(to, meta, image, message);
        assertEq(tokenId, uint256(image));
        assertEq(art.ownerOf(tokenId), to);
        assertEq(art.recordOf(tokenId), meta);
        assertEq(art.tokenURI(tokenId), _referenceUri(meta));
    }

    function testFuzz_RevertWhen_MintDuplicateImage(
        bytes32 image,
        bytes32 meta1,
        bytes32 meta2,
        uint8 before,
        bool burnFirst
    ) public {
        vm.assume(image != 0 && meta1 != 0 && meta2 != 0);
        vm.startPrank(artist);
        for (uint256 i = 0; i < before % 4; ++i) {
            art.mint(DONOR, meta1, keccak256(abi.encode(image, i)), "");
        }
        uint256 first = art.mint(DONOR, meta1, image, "");
        vm.stopPrank();
        if (burnFirst) {
            vm.prank(DONOR);
            art.burn(first);
        }
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, image));
        vm.prank(artist);
        art.mint(STRANGER, meta2, image, "");
        assertEq(art.recordOf(first), meta1);
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
        uint256 a = art.mint(DONOR, sha256(""), sha256("a"), "");
        uint256 b = art.mint(DONOR, sha256("hello"), sha256("b"), "");
        vm.stopPrank();
        // The raw-leaf CIDv1 of the empty file and of "hello", as `ipfs add --cid-version=1` prints them.
        assertEq(art.tokenURI(a), "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
        assertEq(art.tokenURI(b), "ipfs://bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq");
    }

    function test_TokenURI_ExtremeDigests() public {
        vm.startPrank(artist);
        uint256 a = art.mint(DONOR, bytes32(uint256(1)), sha256("a"), "");
        uint256 b = art.mint(DONOR, bytes32(type(uint256).max), sha256("b"), "");
        vm.stopPrank();
        assertEq(art.tokenURI(a), _referenceUri(bytes32(uint256(1))));
        assertEq(art.tokenURI(b), _referenceUri(bytes32(type(uint256).max)));
    }

    function test_RevertWhen_TokenURIOfUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, TOKEN));
        art.tokenURI(TOKEN);
    }

    function test_RevertWhen_TokenURIOfBurnedToken() public {
        _mintTo(DONOR);
        vm.prank(DONOR);
        art.burn(TOKEN);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, TOKEN));
        art.tokenURI(TOKEN);
    }

    function test_RecordOf_KeptAfterBurnAndTransfer() public {
        _mintTo(DONOR);
        vm.prank(DONOR);
        art.transferFrom(DONOR, STRANGER, TOKEN);
        assertEq(art.recordOf(TOKEN), META);
        vm.prank(STRANGER);
        art.burn(TOKEN);
        assertEq(art.recordOf(TOKEN), META);
    }

    function test_RevertWhen_RecordOfTokenZero() public {
        _mintTo(DONOR);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.UnknownToken.selector, 0));
        art.recordOf(0);
    }

    function test_RevertWhen_RecordOfUnmintedToken() public {
        _mintTo(DONOR);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.UnknownToken.selector, TOKEN + 1));
        art.recordOf(TOKEN + 1);
    }

    // ---------------------------------------------------------------- burn

    function test_Burn() public {
        _mintTo(DONOR);
        vm.expectEmit(true, true, true, true, address(art));
        emit Transfer(DONOR, address(0), TOKEN);
        vm.prank(DONOR);
        art.burn(TOKEN);
        assertEq(art.balanceOf(DONOR), 0);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, TOKEN));
        art.ownerOf(TOKEN);
    }

    function test_RevertWhen_BurnByApprovedOperator() public {
        _mintTo(DONOR);
        vm.prank(DONOR);
        art.setApprovalForAll(STRANGER, true);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.NotTokenOwner.selector, TOKEN, STRANGER));
        vm.prank(STRANGER);
        art.burn(TOKEN);
    }

    function test_RevertWhen_BurnByAdmin() public {
        _mintTo(DONOR);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.NotTokenOwner.selector, TOKEN, artist));
        vm.prank(artist);
        art.burn(TOKEN);
    }

    function test_RevertWhen_BurnUnknownToken() public {
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, 7));
        vm.prank(DONOR);
        art.burn(7);
    }

    function test_RevertWhen_BurnTwice() public {
        _mintTo(DONOR);
        vm.prank(DONOR);
        art.burn(TOKEN);
        vm.expectRevert(abi.encodeWithSelector(IERC721Errors.ERC721NonexistentToken.selector, TOKEN));
        vm.prank(DONOR);
        art.burn(TOKEN);
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
            '"domain":{"name":"ProvenanceArt","version":"2","chainId":',
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
        emit IProvenanceArt.ArtworkMinted(TOKEN, DONOR, META, keccak256(MESSAGE), MESSAGE);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.VoucherRedeemed(artist, v.id, TOKEN, DONOR, 1.5 ether);
        vm.prank(DONOR);
        uint256 tokenId = art.redeem{value: 1.5 ether}(v, sig, MESSAGE);
        assertEq(tokenId, TOKEN);
        assertEq(art.ownerOf(TOKEN), DONOR);
        assertEq(address(art).balance, 1.5 ether);
        assertEq(art.totalDonations(), 1.5 ether);
        assertEq(uint8(art.voucherState(artist, v.id)), uint8(IProvenanceArt.VoucherState.Redeemed));
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
        emit IProvenanceArt.ArtworkMinted(TOKEN, DONOR, META, keccak256(MESSAGE), MESSAGE);
        vm.prank(DONOR);
        art.redeem(v, sig, MESSAGE);
        assertEq(art.ownerOf(TOKEN), DONOR);
    }

    function test_RevertWhen_RedeemNamedRecipientMessageFromOther() public {
        IProvenanceArt.Voucher memory v = _voucher(DONOR, 0, bytes32("front-run"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.SealedMessageNotFromRecipient.selector, v.id, STRANGER));
        vm.prank(STRANGER);
        art.redeem{value: 1 ether}(v, sig, MESSAGE);
        _assertOpen(artist, v.id);
        assertEq(art.balanceOf(DONOR), 0);
        // The recipient's own redemption still goes through afterwards.
        vm.prank(DONOR);
        art.redeem(v, sig, MESSAGE);
        assertEq(art.ownerOf(TOKEN), DONOR);
    }

    function test_Redeem_AtDeadline() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("id"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.warp(v.deadline);
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        assertEq(art.ownerOf(TOKEN), DONOR);
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
        assertEq(art.ownerOf(TOKEN), DONOR);
    }

    function test_VoucherState_OpenBeforeRedeem() public view {
        _assertOpen(artist, bytes32("id-1"));
    }

    function test_RevertWhen_RedeemVoucherUsed() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("once"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyRedeemed.selector, artist, v.id));
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
        ProvenanceArtBase other = _deploy(artist, ROYALTY, 750, "ipfs://collection");
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
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ImageAlreadyMinted.selector, IMAGE));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        _assertOpen(artist, v.id);
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
        assertEq(
            uint8(art.voucherState(artist, v.id)),
            uint8(refused ? IProvenanceArt.VoucherState.Open : IProvenanceArt.VoucherState.Redeemed)
        );
        assertEq(art.balanceOf(recipient), refused ? 0 : 1);
        if (!refused) assertEq(art.ownerOf(TOKEN), recipient);
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

    function test_RevertWhen_RedeemZeroDigest() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("zero"));
        v.imageDigest = 0;
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.ZeroDigest.selector, META, bytes32(0)));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        _assertOpen(artist, v.id);
    }

    function test_CancelVoucher_OfErc1271SignerByAdmin() public {
        ERC1271Wallet wallet = new ERC1271Wallet(vm.addr(0xB0B));
        _grantMinter(address(wallet));
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("safe offer"));
        v.signer = address(wallet);
        bytes memory sig = _sign(0xB0B, v);
        vm.prank(artist);
        art.cancelVoucher(address(wallet), v.id);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyCanceled.selector, address(wallet), v.id));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    // ---------------------------------------------------------------- voucher ids scoped to signers

    function test_Redeem_SameIdFromTwoSignersAreTwoVouchers() public {
        _grantMinter(partner);
        IProvenanceArt.Voucher memory mine = _voucher(address(0), 0, bytes32("shared-id"));
        IProvenanceArt.Voucher memory theirs = _voucher(address(0), 0, bytes32("shared-id"));
        theirs.signer = partner;
        theirs.imageDigest = sha256("partner image");
        bytes memory theirSig = _sign(PARTNER_KEY, theirs);
        bytes memory mySig = _sign(ARTIST_KEY, mine);
        vm.prank(STRANGER);
        art.redeem(theirs, theirSig, "");
        // The partner's redemption used up (partner, id), not (artist, id).
        _assertOpen(artist, mine.id);
        vm.prank(DONOR);
        art.redeem(mine, mySig, "");
        assertEq(art.ownerOf(TOKEN), DONOR);
        assertEq(art.ownerOf(uint256(sha256("partner image"))), STRANGER);
    }

    function test_RevertWhen_RedeemOtherSignersVoucherClaimedAsOwn() public {
        _grantMinter(partner);
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("id"));
        bytes memory artistSig = _sign(ARTIST_KEY, v);
        // The partner cannot pass the artist's signature off as its own voucher: the signer is signed.
        v.signer = partner;
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.InvalidVoucherSignature.selector, v.id, partner));
        vm.prank(DONOR);
        art.redeem(v, artistSig, "");
    }

    function testFuzz_IdsOfOneSignerUnusableByAnother(bytes32 id, uint256 otherKey, bool cancelInstead) public {
        otherKey = bound(otherKey, 1, SECP256K1_ORDER - 1);
        vm.assume(otherKey != ARTIST_KEY);
        address other = vm.addr(otherKey);
        _grantMinter(other);
        if (cancelInstead) {
            vm.prank(other);
            art.cancelVoucher(other, id);
        } else {
            IProvenanceArt.Voucher memory theirs = _voucher(address(0), 0, id);
            theirs.signer = other;
            theirs.imageDigest = keccak256(abi.encode(id));
            bytes memory theirSig = _sign(otherKey, theirs);
            vm.prank(STRANGER);
            art.redeem(theirs, theirSig, "");
        }
        _assertOpen(artist, id);
        IProvenanceArt.Voucher memory mine = _voucher(address(0), 0, id);
        bytes memory mySig = _sign(ARTIST_KEY, mine);
        vm.prank(DONOR);
        art.redeem(mine, mySig, "");
        assertEq(art.ownerOf(TOKEN), DONOR);
    }

    // ---------------------------------------------------------------- cancelVoucher

    function test_CancelVoucher_BySigner() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("offer"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.VoucherCanceled(artist, v.id, artist);
        vm.prank(artist);
        art.cancelVoucher(artist, v.id);
        assertEq(uint8(art.voucherState(artist, v.id)), uint8(IProvenanceArt.VoucherState.Canceled));
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyCanceled.selector, artist, v.id));
        vm.prank(DONOR);
        art.redeem{value: 1 ether}(v, sig, "");
        assertEq(address(art).balance, 0);
        assertEq(art.balanceOf(DONOR), 0);
    }

    function test_CancelVoucher_ByAdmin() public {
        _grantMinter(partner);
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("partner offer"));
        v.signer = partner;
        bytes memory sig = _sign(PARTNER_KEY, v);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.VoucherCanceled(partner, v.id, artist);
        vm.prank(artist);
        art.cancelVoucher(partner, v.id);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyCanceled.selector, partner, v.id));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_CancelVoucher_BySignerWhoseRoleWasRevoked() public {
        _grantMinter(partner);
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.revokeRole(role, partner);
        vm.prank(partner);
        art.cancelVoucher(partner, bytes32("old offer"));
        assertEq(uint8(art.voucherState(partner, bytes32("old offer"))), uint8(IProvenanceArt.VoucherState.Canceled));
    }

    function test_RevertWhen_CancelVoucherByStranger() public {
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceArt.NotVoucherCanceler.selector, artist, bytes32("offer"), STRANGER)
        );
        vm.prank(STRANGER);
        art.cancelVoucher(artist, bytes32("offer"));
        _assertOpen(artist, bytes32("offer"));
    }

    function test_RevertWhen_CancelVoucherOfOtherMinter() public {
        _grantMinter(partner);
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceArt.NotVoucherCanceler.selector, artist, bytes32("offer"), partner)
        );
        vm.prank(partner);
        art.cancelVoucher(artist, bytes32("offer"));
    }

    function test_RevertWhen_CancelVoucherTwice() public {
        vm.startPrank(artist);
        art.cancelVoucher(artist, bytes32("offer"));
        vm.expectRevert(
            abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyCanceled.selector, artist, bytes32("offer"))
        );
        art.cancelVoucher(artist, bytes32("offer"));
        vm.stopPrank();
    }

    function test_RevertWhen_CancelVoucherRedeemed() public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("done"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.prank(DONOR);
        art.redeem(v, sig, "");
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyRedeemed.selector, artist, v.id));
        vm.prank(artist);
        art.cancelVoucher(artist, v.id);
        assertEq(art.ownerOf(TOKEN), DONOR);
    }

    /// Any order of cancel and redeem attempts: exactly the first that succeeds decides for good.
    function testFuzz_CancelRedeemOrders(uint8 steps, uint256 seed) public {
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("race"));
        bytes memory sig = _sign(ARTIST_KEY, v);
        IProvenanceArt.VoucherState state = IProvenanceArt.VoucherState.Open;
        for (uint256 i = 0; i < bound(steps, 1, 8); ++i) {
            bool cancel = uint256(keccak256(abi.encode(seed, i))) % 2 == 0;
            if (cancel) {
                if (state == IProvenanceArt.VoucherState.Redeemed) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyRedeemed.selector, artist, v.id)
                    );
                } else if (state == IProvenanceArt.VoucherState.Canceled) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyCanceled.selector, artist, v.id)
                    );
                } else {
                    state = IProvenanceArt.VoucherState.Canceled;
                }
                vm.prank(artist);
                art.cancelVoucher(artist, v.id);
            } else {
                if (state == IProvenanceArt.VoucherState.Redeemed) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyRedeemed.selector, artist, v.id)
                    );
                } else if (state == IProvenanceArt.VoucherState.Canceled) {
                    vm.expectRevert(
                        abi.encodeWithSelector(IProvenanceArt.VoucherAlreadyCanceled.selector, artist, v.id)
                    );
                } else {
                    state = IProvenanceArt.VoucherState.Redeemed;
                }
                vm.prank(DONOR);
                art.redeem(v, sig, "");
            }
            assertEq(uint8(art.voucherState(artist, v.id)), uint8(state));
        }
        assertEq(art.balanceOf(DONOR), state == IProvenanceArt.VoucherState.Redeemed ? 1 : 0);
    }

    // ---------------------------------------------------------------- donations and release

    function test_Release_SinglePayeeLikeWithdraw() public {
        _donate(3 ether);
        uint256 before = artist.balance;
        assertEq(art.releasable(artist), 3 ether);
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.PaymentReleased(artist, 3 ether);
        vm.prank(STRANGER); // anyone may trigger it; the Ether goes to the payee
        art.release(payable(artist));
        assertEq(artist.balance - before, 3 ether);
        assertEq(address(art).balance, 0);
        assertEq(art.released(artist), 3 ether);
        assertEq(art.totalReleased(), 3 ether);
        assertEq(art.totalDonations(), 3 ether);
        assertEq(art.releasable(artist), 0);
    }

    function test_Release_TwoPayeesExactly() public {
        art = _deployWithPayees(_pair(artist, partner), _pair(60, 40));
        _donate(1 ether);
        art.release(payable(artist));
        _donate(2 ether);
        art.release(payable(partner));
        art.release(payable(artist));
        assertEq(art.released(artist), 1.8 ether);
        assertEq(art.released(partner), 1.2 ether);
        assertEq(artist.balance, 1.8 ether);
        assertEq(partner.balance, 1.2 ether);
        assertEq(address(art).balance, 0);
    }

    function test_Release_RoundingDustStaysUntilItAddsUp() public {
        address third = address(0x3333);
        address[] memory list = new address[](3);
        (list[0], list[1], list[2]) = (artist, partner, third);
        uint256[] memory parts = new uint256[](3);
        (parts[0], parts[1], parts[2]) = (1, 1, 1);
        art = _deployWithPayees(list, parts);
        _donate(10); // 10 wei over 3 payees: 3 each, 1 wei of dust
        art.release(payable(artist));
        art.release(payable(partner));
        art.release(payable(third));
        assertEq(address(art).balance, 1);
        _donate(2); // 12 wei received: 4 each
        art.release(payable(artist));
        art.release(payable(partner));
        art.release(payable(third));
        assertEq(address(art).balance, 0);
        assertEq(art.released(third), 4);
    }

    function test_Releasable_TracksDonationsAndReleases() public {
        art = _deployWithPayees(_pair(artist, partner), _pair(3, 1));
        _donate(4 ether);
        assertEq(art.releasable(artist), 3 ether);
        assertEq(art.releasable(partner), 1 ether);
        assertEq(art.releasable(STRANGER), 0);
        art.release(payable(partner));
        assertEq(art.releasable(partner), 0);
        assertEq(art.releasable(artist), 3 ether);
        assertEq(art.totalDonations(), 4 ether);
        assertEq(art.totalReleased(), 1 ether);
        _donate(4 ether);
        assertEq(art.releasable(partner), 1 ether);
        assertEq(art.releasable(artist), 6 ether);
        assertEq(art.totalDonations(), 8 ether);
    }

    function test_RevertWhen_ReleaseNotPayee() public {
        _donate(1 ether);
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.NotPayee.selector, STRANGER));
        art.release(payable(STRANGER));
    }

    function test_RevertWhen_ReleaseNothingDue() public {
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.NothingDue.selector, artist));
        art.release(payable(artist));
        _donate(1 ether);
        art.release(payable(artist));
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.NothingDue.selector, artist));
        art.release(payable(artist));
    }

    function test_RevertWhen_ReleasePayeeRejects() public {
        RejectingBeneficiary payee = new RejectingBeneficiary();
        art = _deployWithPayees(_pair(address(payee), artist), _pair(1, 1));
        _donate(1 ether);
        vm.expectRevert(RejectingBeneficiary.NoThanks.selector);
        art.release(payable(address(payee)));
        assertEq(art.released(address(payee)), 0);
        assertEq(address(art).balance, 1 ether);
    }

    function test_RevertWhen_ReleaseReentered() public {
        ReentrantBeneficiary payee = new ReentrantBeneficiary();
        art = _deployWithPayees(_pair(address(payee), artist), _pair(1, 1));
        payee.setTarget(art);
        _donate(2 ether);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        art.release(payable(address(payee)));
        assertEq(address(art).balance, 2 ether);
    }

    function test_RevertWhen_PlainTransferToContract() public {
        vm.prank(DONOR);
        (bool ok,) = address(art).call{value: 1 ether}("");
        assertFalse(ok, "donations come only through redeem");
    }

    /// Any shares, any donations, any release order: each payee's released + due is its exact
    /// floored cut, and released + balance is what was donated.
    function testFuzz_ReleaseSplitsByShares(uint96 sharesA, uint96 sharesB, uint96 first, uint96 second, bool order)
        public
    {
        sharesA = uint96(bound(sharesA, 1, type(uint96).max));
        sharesB = uint96(bound(sharesB, 1, type(uint96).max));
        art = _deployWithPayees(_pair(artist, partner), _pair(sharesA, sharesB));
        _donate(first);
        _releaseIfDue(order ? artist : partner);
        _donate(second);
        _releaseIfDue(order ? partner : artist);
        uint256 donated = uint256(first) + second;
        uint256 total = uint256(sharesA) + sharesB;
        assertEq(art.released(artist) + art.releasable(artist), donated * sharesA / total);
        assertEq(art.released(partner) + art.releasable(partner), donated * sharesB / total);
        assertEq(art.totalReleased() + address(art).balance, donated);
        assertEq(art.totalDonations(), donated);
        assertLe(art.releasable(artist) + art.releasable(partner), address(art).balance);
        assertEq(artist.balance, art.released(artist));
        assertEq(partner.balance, art.released(partner));
    }

    // ---------------------------------------------------------------- royalties, contract URI

    function test_SetDefaultRoyalty() public {
        vm.expectEmit(true, true, true, true, address(art));
        emit IProvenanceArt.DefaultRoyaltyUpdated(STRANGER, 1_000);
        vm.prank(artist);
        art.setDefaultRoyalty(STRANGER, 1_000);
        (address receiver, uint256 amount) = art.royaltyInfo(TOKEN, 1 ether);
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

    function test_RevertWhen_SetDefaultRoyaltyByMinterOnly() public {
        _grantMinter(partner);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, partner, bytes32(0))
        );
        vm.prank(partner);
        art.setDefaultRoyalty(partner, 1_000);
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

    // ---------------------------------------------------------------- roles

    function test_GrantAndRevokeMinter() public {
        _grantMinter(partner);
        assertTrue(art.hasRole(art.MINTER_ROLE(), partner));
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("p"));
        v.signer = partner;
        bytes memory sig = _sign(PARTNER_KEY, v);
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.revokeRole(role, partner);
        // A revoked minter's outstanding offers are refused.
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherSignerNotMinter.selector, v.id, partner));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RevokedMinterGrantedAgain_OldVouchersStayDead() public {
        _grantMinter(partner);
        IProvenanceArt.Voucher memory v = _voucher(address(0), 0, bytes32("before revocation"));
        v.signer = partner;
        bytes memory sig = _sign(PARTNER_KEY, v);
        bytes32 role = art.MINTER_ROLE();
        assertFalse(art.minterRetired(partner));
        vm.prank(artist);
        art.revokeRole(role, partner);
        assertTrue(art.minterRetired(partner));
        // Granting the role again would revive `v`: refused, and `v` stays unredeemable.
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.MinterRetired.selector, partner));
        vm.prank(artist);
        art.grantRole(role, partner);
        assertFalse(art.hasRole(role, partner));
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.VoucherSignerNotMinter.selector, v.id, partner));
        vm.prank(DONOR);
        art.redeem(v, sig, "");
    }

    function test_RevertWhen_RenouncedMinterGrantedAgain() public {
        _grantMinter(partner);
        bytes32 role = art.MINTER_ROLE();
        vm.prank(partner);
        art.renounceRole(role, partner);
        assertTrue(art.minterRetired(partner));
        vm.expectRevert(abi.encodeWithSelector(IProvenanceArt.MinterRetired.selector, partner));
        vm.prank(artist);
        art.grantRole(role, partner);
    }

    function test_RevokingSomeoneWhoIsNoMinterRetiresNobody() public {
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.revokeRole(role, partner); // no-op: partner never held it
        assertFalse(art.minterRetired(partner));
        _grantMinter(partner);
        assertTrue(art.hasRole(role, partner));
    }

    // ---------------------------------------------------------------- the admin role: two steps, a delay

    function test_AdminTransfer_TwoStepsAfterTheDelay() public {
        bytes32 admin = art.DEFAULT_ADMIN_ROLE();
        assertEq(art.defaultAdmin(), artist);
        assertEq(art.defaultAdminDelay(), 2 days);
        vm.prank(artist);
        art.beginDefaultAdminTransfer(partner);
        (address pending, uint48 schedule) = art.pendingDefaultAdmin();
        assertEq(pending, partner);
        assertEq(schedule, block.timestamp + 2 days);
        // Before the delay: refused, and the artist is still the one admin.
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminDelay.selector, schedule)
        );
        vm.prank(partner);
        art.acceptDefaultAdminTransfer();
        assertTrue(art.hasRole(admin, artist));
        // Only the offered account may accept.
        vm.warp(uint256(schedule) + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, STRANGER)
        );
        vm.prank(STRANGER);
        art.acceptDefaultAdminTransfer();
        vm.prank(partner);
        art.acceptDefaultAdminTransfer();
        assertTrue(art.hasRole(admin, partner));
        assertFalse(art.hasRole(admin, artist));
        assertEq(art.owner(), partner);
    }

    function test_AdminTransfer_CanceledByTheAdmin() public {
        vm.startPrank(artist);
        art.beginDefaultAdminTransfer(STRANGER);
        art.cancelDefaultAdminTransfer();
        vm.stopPrank();
        vm.warp(block.timestamp + 3 days);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControlDefaultAdminRules.AccessControlInvalidDefaultAdmin.selector, STRANGER)
        );
        vm.prank(STRANGER);
        art.acceptDefaultAdminTransfer();
        assertEq(art.defaultAdmin(), artist);
    }

    function test_RevertWhen_AdminRoleGrantedInOneStep() public {
        bytes32 admin = art.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(artist);
        art.grantRole(admin, partner);
        vm.expectRevert(IAccessControlDefaultAdminRules.AccessControlEnforcedDefaultAdminRules.selector);
        vm.prank(artist);
        art.revokeRole(admin, artist);
        assertEq(art.defaultAdmin(), artist);
    }

    function test_RevertWhen_GrantRoleNotAdmin() public {
        bytes32 role = art.MINTER_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, STRANGER, bytes32(0))
        );
        vm.prank(STRANGER);
        art.grantRole(role, STRANGER);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev The build under test: the default (transient guard) here, the pre-Cancun one in
    /// {ProvenanceArtShanghaiTest}, which runs every test of this contract again.
    function _deploy(address admin, address royalty, uint96 bps, string memory uri)
        internal
        virtual
        returns (ProvenanceArtBase)
    {
        return new ProvenanceArt("Provenance", "PROV", admin, royalty, bps, uri, new address[](0), new uint256[](0));
    }

    function _deployWithPayees(address[] memory list, uint256[] memory parts)
        internal
        virtual
        returns (ProvenanceArtBase)
    {
        return new ProvenanceArt("Provenance", "PROV", artist, ROYALTY, 750, "ipfs://collection", list, parts);
    }

    function _pair(address a, address b) internal pure returns (address[] memory list) {
        list = new address[](2);
        (list[0], list[1]) = (a, b);
    }

    function _pair(uint256 a, uint256 b) internal pure returns (uint256[] memory list) {
        list = new uint256[](2);
        (list[0], list[1]) = (a, b);
    }

    function _grantMinter(address account) internal {
        bytes32 role = art.MINTER_ROLE();
        vm.prank(artist);
        art.grantRole(role, account);
    }

    function _assertOpen(address signer, bytes32 id) internal view {
        assertEq(uint8(art.voucherState(signer, id)), uint8(IProvenanceArt.VoucherState.Open));
    }

    function _releaseIfDue(address payee) internal {
        if (art.releasable(payee) != 0) art.release(payable(payee));
    }

    function _mintTo(address to) internal {
        vm.prank(artist);
        art.mint(to, META, IMAGE, MESSAGE);
    }

    /// @dev Each donation mints a fresh image, so any number of them can be made in one test.
    function _donate(uint256 amount) internal {
        IProvenanceArt.Voucher memory v = _voucher(address(0), amount, keccak256(abi.encode("donate", ++_donations)));
        v.imageDigest = keccak256(abi.encode("donated image", _donations));
        bytes memory sig = _sign(ARTIST_KEY, v);
        vm.deal(DONOR, amount);
        vm.prank(DONOR);
        art.redeem{value: amount}(v, sig, "");
    }

    uint256 internal _donations;

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

/// @notice Every test of {ProvenanceArtTest} again, on the pre-Cancun build (storage reentrancy guard).
/// forge compiles it for Prague with OpenZeppelin 5.7; the shipped Shanghai artifact (OpenZeppelin
/// 5.3.0, EVM Shanghai) runs the whole CLI flow on ganache in tests/chains/test_ganache.py.
contract ProvenanceArtShanghaiTest is ProvenanceArtTest {
    function _deploy(address admin, address royalty, uint96 bps, string memory uri)
        internal
        override
        returns (ProvenanceArtBase)
    {
        return new ProvenanceArtShanghai(
            "Provenance", "PROV", admin, royalty, bps, uri, new address[](0), new uint256[](0)
        );
    }

    function _deployWithPayees(address[] memory list, uint256[] memory parts)
        internal
        override
        returns (ProvenanceArtBase)
    {
        return new ProvenanceArtShanghai("Provenance", "PROV", artist, ROYALTY, 750, "ipfs://collection", list, parts);
    }
}
