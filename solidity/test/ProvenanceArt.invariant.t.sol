// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {IProvenanceArt} from "../src/IProvenanceArt.sol";
import {ProvenanceArt} from "../src/ProvenanceArt.sol";

/// @notice Drives ProvenanceArt through mints, duplicate attempts, transfers, burns, vouchers of two
/// minters that deliberately share ids, cancels by the signer, the admin and the other minter,
/// redemptions of open, used and canceled vouchers, and releases to two payees; keeps ghost
/// accounts of what should be true.
contract ProvenanceArtHandler is CommonBase, StdCheats, StdUtils {
    ProvenanceArt public immutable art;
    uint256[2] internal _keys;
    address[2] public signers; // signers[0] is the artist (admin and minter), signers[1] a second minter
    address[2] public payeeList;

    address[] public actors;
    bytes32[] public images;
    mapping(bytes32 image => bool) public everMinted;
    mapping(bytes32 image => bool) public live;
    uint256 public ghostMinted;
    uint256 public ghostBurned;
    uint256 public ghostDonations;
    uint256 public ghostDuplicateMints;
    uint256 public ghostForbiddenRedeems;
    uint256 public ghostCrossSignerCancels;
    uint256 public ghostRedeems;
    uint256 public ghostCancels;

    IProvenanceArt.Voucher[] internal _vouchers;
    mapping(address signer => mapping(bytes32 id => IProvenanceArt.VoucherState)) public ghostVoucherState;
    uint256 internal _nonce;

    constructor(ProvenanceArt art_, uint256[2] memory keys, address[2] memory payees_) {
        art = art_;
        _keys = keys;
        signers = [vm.addr(keys[0]), vm.addr(keys[1])];
        payeeList = payees_;
        for (uint256 i = 1; i <= 5; ++i) {
            actors.push(address(uint160(0x1000 + i)));
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function imageCount() external view returns (uint256) {
        return images.length;
    }

    function voucherCount() external view returns (uint256) {
        return _vouchers.length;
    }

    function voucherKey(uint256 i) external view returns (address signer, bytes32 id) {
        return (_vouchers[i].signer, _vouchers[i].id);
    }

    function mint(uint256 actorSeed, bytes32 image, bytes32 meta) external {
        if (image == 0 || meta == 0 || everMinted[image]) return;
        vm.prank(signers[0]);
        art.mint(_actor(actorSeed), meta, image, "");
        _recordMint(image);
    }

    /// @dev Re-mints an image already used (live or burned), directly or through a voucher: must
    /// always revert.
    function mintDuplicate(uint256 imageSeed, uint256 actorSeed, bool viaVoucher) external {
        if (images.length == 0) return;
        bytes32 image = images[imageSeed % images.length];
        if (viaVoucher) {
            IProvenanceArt.Voucher memory v = _newVoucher(0, keccak256(abi.encode("dup", ++_nonce)), image, 0);
            bytes memory sig = _sign(0, v);
            vm.prank(_actor(actorSeed));
            try art.redeem(v, sig, "") {
                ++ghostDuplicateMints;
            } catch {}
        } else {
            vm.prank(signers[0]);
            try art.mint(_actor(actorSeed), keccak256("m"), image, "") {
                ++ghostDuplicateMints;
            } catch {}
        }
    }

    function transfer(uint256 tokenSeed, uint256 toSeed) external {
        bytes32 image = _liveImage(tokenSeed);
        if (image == 0) return;
        address owner = art.ownerOf(uint256(image));
        vm.prank(owner);
        art.transferFrom(owner, _actor(toSeed), uint256(image));
    }

    function burn(uint256 tokenSeed) external {
        bytes32 image = _liveImage(tokenSeed);
        if (image == 0) return;
        vm.prank(art.ownerOf(uint256(image)));
        art.burn(uint256(image));
        live[image] = false;
        ++ghostBurned;
    }

    /// @dev A new voucher from either minter; ids come from a small set so both minters reuse them.
    function offer(uint256 signerSeed, uint256 idSeed, uint256 minDonation) external {
        bytes32 id = bytes32(idSeed % 4);
        bytes32 image = keccak256(abi.encode("offered image", ++_nonce));
        _vouchers.push(_newVoucher(signerSeed % 2, id, image, bound(minDonation, 0, 5 ether)));
    }

    function redeem(uint256 voucherSeed, uint256 actorSeed, uint256 extra) external {
        if (_vouchers.length == 0) return;
        IProvenanceArt.Voucher memory v = _vouchers[voucherSeed % _vouchers.length];
        uint256 donation = v.minDonation + bound(extra, 0, 1 ether);
        address redeemer = _actor(actorSeed);
        bytes memory sig = _sign(v.signer == signers[0] ? 0 : 1, v);
        vm.deal(redeemer, redeemer.balance + donation);
        IProvenanceArt.VoucherState before = ghostVoucherState[v.signer][v.id];
        vm.prank(redeemer);
        try art.redeem{value: donation}(v, sig, "") {
            if (before != IProvenanceArt.VoucherState.Open || everMinted[v.imageDigest]) ++ghostForbiddenRedeems;
            ghostVoucherState[v.signer][v.id] = IProvenanceArt.VoucherState.Redeemed;
            ghostDonations += donation;
            ++ghostRedeems;
            _recordMint(v.imageDigest);
        } catch {}
    }

    /// @dev Cancels by the signer itself, by the admin (the artist) or by the other minter; only the
    /// last must fail (unless the other minter is the admin).
    function cancel(uint256 voucherSeed, uint256 callerKind) external {
        if (_vouchers.length == 0) return;
        IProvenanceArt.Voucher memory v = _vouchers[voucherSeed % _vouchers.length];
        uint256 kind = callerKind % 3;
        address caller =
            kind == 0 ? v.signer : kind == 1 ? signers[0] : (v.signer == signers[0] ? signers[1] : signers[0]);
        bool allowed = caller == v.signer || caller == signers[0];
        vm.prank(caller);
        try art.cancelVoucher(v.signer, v.id) {
            if (!allowed) ++ghostCrossSignerCancels;
            if (ghostVoucherState[v.signer][v.id] != IProvenanceArt.VoucherState.Open) ++ghostForbiddenRedeems;
            ghostVoucherState[v.signer][v.id] = IProvenanceArt.VoucherState.Canceled;
            ++ghostCancels;
        } catch {}
    }

    function release(uint256 payeeSeed) external {
        address payee = payeeList[payeeSeed % 2];
        if (art.releasable(payee) == 0) return;
        art.release(payable(payee));
    }

    function _recordMint(bytes32 image) internal {
        everMinted[image] = true;
        live[image] = true;
        images.push(image);
        ++ghostMinted;
    }

    function _newVoucher(uint256 signerIndex, bytes32 id, bytes32 image, uint256 minDonation)
        internal
        view
        returns (IProvenanceArt.Voucher memory)
    {
        return IProvenanceArt.Voucher({
            signer: signers[signerIndex],
            recipient: address(0),
            metadataDigest: keccak256(abi.encode(image)),
            imageDigest: image,
            minDonation: minDonation,
            deadline: type(uint64).max,
            id: id
        });
    }

    function _sign(uint256 signerIndex, IProvenanceArt.Voucher memory v) internal view returns (bytes memory) {
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(_keys[signerIndex], art.hashVoucher(v));
        return abi.encodePacked(r, s, vv);
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _liveImage(uint256 seed) internal view returns (bytes32) {
        uint256 total = images.length;
        if (total == 0) return 0;
        uint256 start = seed % total;
        for (uint256 i = 0; i < total; ++i) {
            bytes32 image = images[(start + i) % total];
            if (live[image]) return image;
        }
        return 0;
    }
}

contract ProvenanceArtInvariantTest is Test {
    ProvenanceArt internal art;
    ProvenanceArtHandler internal handler;
    address internal constant PAYEE_A = address(0xA1A1);
    address internal constant PAYEE_B = address(0xB1B1);

    function setUp() public {
        uint256[2] memory keys = [uint256(0xA11CE), uint256(0xB0B)];
        address[] memory payees = new address[](2);
        (payees[0], payees[1]) = (PAYEE_A, PAYEE_B);
        uint256[] memory shares = new uint256[](2);
        (shares[0], shares[1]) = (2, 1); // thirds: every donation not a multiple of 3 leaves dust
        art = new ProvenanceArt("Provenance", "PROV", vm.addr(keys[0]), address(0x4041), 500, "", payees, shares);
        bytes32 minter = art.MINTER_ROLE();
        vm.prank(vm.addr(keys[0]));
        art.grantRole(minter, vm.addr(keys[1]));
        handler = new ProvenanceArtHandler(art, keys, [PAYEE_A, PAYEE_B]);
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = ProvenanceArtHandler.mint.selector;
        selectors[1] = ProvenanceArtHandler.mintDuplicate.selector;
        selectors[2] = ProvenanceArtHandler.transfer.selector;
        selectors[3] = ProvenanceArtHandler.burn.selector;
        selectors[4] = ProvenanceArtHandler.offer.selector;
        selectors[5] = ProvenanceArtHandler.redeem.selector;
        selectors[6] = ProvenanceArtHandler.cancel.selector;
        selectors[7] = ProvenanceArtHandler.release.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// The handler's paths really act (a handler whose calls all fell through would make the
    /// invariants hold vacuously): one fixed sequence through each of them.
    function test_HandlerExercisesEveryPath() public {
        handler.mint(1, keccak256("image"), keccak256("meta"));
        handler.offer(0, 0, 1 ether); // artist, id 0
        handler.offer(1, 0, 0); // second minter, the same id 0
        handler.offer(0, 1, 0); // artist, id 1
        handler.redeem(1, 2, 7); // the second minter's id 0
        handler.redeem(1, 3, 0); // again: refused
        handler.cancel(0, 2); // the second minter on the artist's id 0: refused
        handler.cancel(2, 0); // the artist on its id 1
        handler.redeem(2, 2, 0); // canceled: refused
        handler.redeem(0, 2, 5); // the artist's id 0 is still open
        handler.mintDuplicate(0, 1, true);
        handler.mintDuplicate(1, 1, false);
        handler.transfer(0, 4);
        handler.burn(0);
        handler.release(0);
        handler.release(1);
        assertEq(handler.ghostRedeems(), 2);
        assertEq(handler.ghostCancels(), 1);
        assertEq(handler.ghostMinted(), 3);
        assertEq(handler.ghostBurned(), 1);
        assertEq(handler.ghostDuplicateMints(), 0);
        assertGt(handler.ghostDonations(), 1 ether);
        assertGt(art.totalReleased(), 0);
        invariant_NoImageTwice();
        invariant_BalancesSumToLiveTokens();
        invariant_PayeesReleasedPlusDueIsTheirCut();
        invariant_CanceledOrUsedVouchersNeverRedeem();
        invariant_IdsOfOneSignerUnusableByAnother();
    }

    /// No image is ever minted twice, live or burned: no duplicate attempt succeeded, and every
    /// image ever minted keeps its record (the "minted ever" flag) after burns.
    function invariant_NoImageTwice() public view {
        assertEq(handler.ghostDuplicateMints(), 0);
        assertEq(handler.imageCount(), handler.ghostMinted());
        for (uint256 i = 0; i < handler.imageCount(); ++i) {
            bytes32 image = handler.images(i);
            assertTrue(art.recordOf(uint256(image)) != 0);
            if (!handler.live(image)) {
                vm.assertFalse(_isOwned(uint256(image)));
            }
        }
    }

    function _isOwned(uint256 tokenId) internal view returns (bool) {
        try art.ownerOf(tokenId) returns (address) {
            return true;
        } catch {
            return false;
        }
    }

    /// The holders' balances sum to the live tokens (minted minus burned).
    function invariant_BalancesSumToLiveTokens() public view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            sum += art.balanceOf(handler.actors(i));
        }
        assertEq(sum, handler.ghostMinted() - handler.ghostBurned());
    }

    /// Per payee, released + due is its floored cut of all donations, and what it received is what
    /// was released to it; in total, released + balance is what was donated.
    function invariant_PayeesReleasedPlusDueIsTheirCut() public view {
        uint256 donated = handler.ghostDonations();
        assertEq(art.totalReleased() + address(art).balance, donated);
        assertEq(art.totalDonations(), donated);
        assertEq(art.released(PAYEE_A) + art.releasable(PAYEE_A), donated * 2 / 3);
        assertEq(art.released(PAYEE_B) + art.releasable(PAYEE_B), donated / 3);
        assertEq(PAYEE_A.balance, art.released(PAYEE_A));
        assertEq(PAYEE_B.balance, art.released(PAYEE_B));
        assertEq(art.totalReleased(), art.released(PAYEE_A) + art.released(PAYEE_B));
        // Dust: under one wei per payee stays behind.
        assertLe(address(art).balance - art.releasable(PAYEE_A) - art.releasable(PAYEE_B), 1);
    }

    /// A voucher redeems only while open; used or canceled ones never did, and the chain's state of
    /// every (signer, id) is the ghost's.
    function invariant_CanceledOrUsedVouchersNeverRedeem() public view {
        assertEq(handler.ghostForbiddenRedeems(), 0);
        for (uint256 i = 0; i < handler.voucherCount(); ++i) {
            (address signer, bytes32 id) = handler.voucherKey(i);
            assertEq(uint8(art.voucherState(signer, id)), uint8(handler.ghostVoucherState(signer, id)));
        }
    }

    /// Ids are scoped to their signer: the other minter never canceled this signer's voucher, and
    /// (by the state check above) redeeming one signer's id never changed the other's.
    function invariant_IdsOfOneSignerUnusableByAnother() public view {
        assertEq(handler.ghostCrossSignerCancels(), 0);
        for (uint256 i = 0; i < handler.voucherCount(); ++i) {
            (address signer, bytes32 id) = handler.voucherKey(i);
            address other = signer == handler.signers(0) ? handler.signers(1) : handler.signers(0);
            assertEq(uint8(art.voucherState(other, id)), uint8(handler.ghostVoucherState(other, id)));
        }
    }
}
