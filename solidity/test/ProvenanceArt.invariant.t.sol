// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {CommonBase} from "forge-std/Base.sol";
import {StdCheats} from "forge-std/StdCheats.sol";
import {StdUtils} from "forge-std/StdUtils.sol";

import {IProvenanceArt} from "../src/IProvenanceArt.sol";
import {ProvenanceArt} from "../src/ProvenanceArt.sol";

/// @notice Drives ProvenanceArt through mints, duplicate attempts, transfers, burns, redemptions and
/// withdrawals, and keeps ghost totals of what should be true.
contract ProvenanceArtHandler is CommonBase, StdCheats, StdUtils {
    ProvenanceArt public immutable art;
    uint256 public immutable artistKey;
    address public immutable artist;

    address[] public actors;
    bytes32[] public images;
    uint256 public ghostMinted;
    uint256 public ghostBurned;
    uint256 public ghostDonations;
    uint256 public ghostWithdrawn;
    uint256 public ghostDuplicateMints;
    uint256 internal _voucherNonce;

    constructor(ProvenanceArt art_, uint256 artistKey_) {
        art = art_;
        artistKey = artistKey_;
        artist = vm.addr(artistKey_);
        for (uint256 i = 1; i <= 5; ++i) {
            actors.push(address(uint160(0x1000 + i)));
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function mint(uint256 actorSeed, bytes32 image, bytes32 meta) external {
        if (image == 0 || meta == 0 || art.tokenOfImage(image) != 0) return;
        vm.prank(artist);
        art.mint(_actor(actorSeed), meta, image, "");
        images.push(image);
        ++ghostMinted;
    }

    /// @dev Re-mints an image already used (live or burned): must always revert.
    function mintDuplicate(uint256 imageSeed, uint256 actorSeed) external {
        if (images.length == 0) return;
        bytes32 image = images[imageSeed % images.length];
        vm.prank(artist);
        try art.mint(_actor(actorSeed), keccak256("m"), image, "") {
            ++ghostDuplicateMints;
        } catch {}
    }

    function transfer(uint256 tokenSeed, uint256 toSeed) external {
        uint256 tokenId = _liveToken(tokenSeed);
        if (tokenId == 0) return;
        address owner = art.ownerOf(tokenId);
        vm.prank(owner);
        art.transferFrom(owner, _actor(toSeed), tokenId);
    }

    function burn(uint256 tokenSeed) external {
        uint256 tokenId = _liveToken(tokenSeed);
        if (tokenId == 0) return;
        vm.prank(art.ownerOf(tokenId));
        art.burn(tokenId);
        ++ghostBurned;
    }

    function redeem(uint256 actorSeed, uint256 donation, bytes32 image) external {
        if (image == 0 || art.tokenOfImage(image) != 0) return;
        donation = bound(donation, 0, 10 ether);
        address redeemer = _actor(actorSeed);
        IProvenanceArt.Voucher memory v = IProvenanceArt.Voucher({
            signer: artist,
            recipient: address(0),
            metadataDigest: keccak256(abi.encode(image)),
            imageDigest: image,
            minDonation: donation / 2,
            deadline: uint64(block.timestamp + 1),
            id: bytes32(++_voucherNonce)
        });
        (uint8 vv, bytes32 r, bytes32 s) = vm.sign(artistKey, art.hashVoucher(v));
        vm.deal(redeemer, redeemer.balance + donation);
        vm.prank(redeemer);
        art.redeem{value: donation}(v, abi.encodePacked(r, s, vv), "");
        images.push(image);
        ++ghostMinted;
        ghostDonations += donation;
    }

    function withdraw(uint256 amount) external {
        amount = bound(amount, 0, address(art).balance);
        vm.prank(artist);
        art.withdraw(payable(address(0xBEEF)), amount);
        ghostWithdrawn += amount;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _liveToken(uint256 seed) internal view returns (uint256) {
        uint256 total = art.totalMinted();
        if (total == 0) return 0;
        uint256 start = seed % total;
        for (uint256 i = 0; i < total; ++i) {
            uint256 id = (start + i) % total + 1;
            try art.ownerOf(id) returns (address) {
                return id;
            } catch {}
        }
        return 0;
    }
}

contract ProvenanceArtInvariantTest is Test {
    ProvenanceArt internal art;
    ProvenanceArtHandler internal handler;

    function setUp() public {
        uint256 artistKey = 0xA11CE;
        art = new ProvenanceArt("Provenance", "PROV", vm.addr(artistKey), address(0x4041), 500, "");
        handler = new ProvenanceArtHandler(art, artistKey);
        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = ProvenanceArtHandler.mint.selector;
        selectors[1] = ProvenanceArtHandler.mintDuplicate.selector;
        selectors[2] = ProvenanceArtHandler.transfer.selector;
        selectors[3] = ProvenanceArtHandler.burn.selector;
        selectors[4] = ProvenanceArtHandler.redeem.selector;
        selectors[5] = ProvenanceArtHandler.withdraw.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// No two tokens, live or burned, share an image digest: each record's image maps back to its
    /// own token, and no duplicate mint ever succeeded.
    function invariant_UniqueImages() public view {
        assertEq(handler.ghostDuplicateMints(), 0);
        uint256 total = art.totalMinted();
        assertEq(total, handler.ghostMinted());
        for (uint256 id = 1; id <= total; ++id) {
            assertEq(art.tokenOfImage(art.recordOf(id).imageDigest), id);
        }
    }

    /// The holders' balances sum to the live supply (minted minus burned).
    function invariant_BalancesSumToLiveSupply() public view {
        uint256 sum;
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            sum += art.balanceOf(handler.actors(i));
        }
        assertEq(sum, handler.ghostMinted() - handler.ghostBurned());
    }

    /// The contract holds exactly the donations not yet withdrawn.
    function invariant_BalanceIsDonationsMinusWithdrawals() public view {
        assertEq(address(art).balance, handler.ghostDonations() - handler.ghostWithdrawn());
    }
}
