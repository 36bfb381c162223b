"""The hot commands import only what they use: a real ``mint``, ``verify`` (also with
``--regenerate``: the numpy generator, no JAX), ``tokens list``, ``redeem`` (of an offer) and
``ipfs add``, each in its own
interpreter on a devnet, loads none of the heavy libraries the
toolkit keeps off its start-up path and no more modules than its budget.

Why: a command's start-up is mostly imports (``import eth_account`` alone is 0.7 s, web3 2 s, jax
seconds). Budgets are the measured counts (stdlib included) plus about 10%: a change that pulls a
new library into a hot path fails here and has to justify raising the number.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gan.export import read_export
from gan.numpy_generator import check_params, generate
from gan.pngrecord import make_record, write_png
from provenance.chain.accounts import dev_accounts
from tests.workflows.conftest import make_artwork

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "gan" / "default_model" / "generator.msgpack"

DONOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # dev account 1
DONOR_PUBKEY = (
    "0x04ba5734d8f7091719471e7f7ed6b9df170dc70cc661ca05e688601ad984f068b0d67351e5f06073092499336a"
    "b0839ef8a521afd334e53807205fa2f08eec74f4"
)

# Kept off every hot path: eth-account (and its eth-keyfile/py_ecc BLS tables), eth-utils and
# eth-abi (pydantic), rlp, web3, the GAN's jax/flax, httpx (the devnet is on loopback: reached
# with the standard library, see chain/transport.py), and iscc-core (pydantic, about 140 modules,
# 0.3 s): mint and verify compute the ISCC image code with the toolkit's own port
# (content/iscc_image.py), which tests/test_iscc_image.py checks against iscc-core (the dev extra);
# and eth-hash: keccak is pycryptodome's C code loaded with ctypes (chain/keccak.py), where
# eth-hash's backend made cffi parse C declarations (pycparser) at every start, 40-130 ms. Only a
# mint that seals a message still loads pycparser (eciespy's AES-GCM and KDFs, from pycryptodome).
FORBIDDEN = (
    "eth_account",
    "eth_keyfile",
    "eth_keys",
    "eth_utils",
    "eth_abi",
    "rlp",
    "py_ecc",
    "web3",
    "jax",
    "flax",
    "httpx",
    "pydantic",
    "iscc_core",
    "eth_hash",
)
# Measured (this test's count, stdlib included): mint 438 (with a sealed message), verify 364,
# verify --regenerate 427, tokens 227, redeem 317, ipfs 154.
BUDGET = {"mint": 480, "verify": 400, "regenerate": 470, "redeem": 350, "tokens": 250, "ipfs": 170}
# `ipfs add` prints a CID: no console library either.
NO_C_PARSER = ("pycparser",)
ALSO_FORBIDDEN = {
    "ipfs": ("rich", *NO_C_PARSER),
    **{c: NO_C_PARSER for c in ("verify", "regenerate", "tokens", "redeem")},
}


def imported(*args: str, env: dict[str, str] | None = None) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "provenance", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line and "self [us]" not in line
    }


def check(command: str, modules: set[str]) -> None:
    forbidden = (*FORBIDDEN, *ALSO_FORBIDDEN.get(command, ()))
    heavy = sorted(m for m in modules if m.split(".")[0] in forbidden)
    assert not heavy, f"`provenance {command}` imports {heavy[:8]}"
    assert len(modules) <= BUDGET[command], (
        f"`provenance {command}` imports {len(modules)} modules, budget {BUDGET[command]}"
    )


def test_hot_commands_stay_within_their_import_budget(home: Path) -> None:
    art = make_artwork(home / "budget.png", 901)
    subprocess.run(
        [sys.executable, "-m", "provenance", "deploy"], check=True, capture_output=True
    )  # starts the devnet and deploys: not part of any budget
    minted = imported(
        "mint", str(art), "--donor", DONOR, "--donor-pubkey", DONOR_PUBKEY, "--message", "hi"
    )
    check("mint", minted)
    assert "coincurve" in minted  # the probe sees what a mint really loads
    check("verify", imported("verify", str(art)))
    gan_art = home / "gan.png"
    export = read_export(DEFAULT_MODEL)
    arrays = check_params(export.params, export.config)
    write_png(generate(arrays, export.config, 3), gan_art, make_record(export.sha256, 3))
    subprocess.run(
        [sys.executable, "-m", "provenance", "mint", str(gan_art), "--donor", DONOR],
        check=True,
        capture_output=True,
    )
    regenerated = imported("verify", str(gan_art), "--regenerate", "--model", str(DEFAULT_MODEL))
    check("regenerate", regenerated)
    assert "gan.numpy_generator" in regenerated
    check("tokens", imported("tokens", "list", "--json"))
    offer = home / "offer.json"
    made = subprocess.run(
        [sys.executable, "-m", "provenance", "offer", str(make_artwork(home / "offered.png", 902)),
         "--min-donation", "0.01ether", "-o", str(offer)],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    donor_key = {"DONOR_KEY": "0x" + dev_accounts(2)[1].key.hex()}
    check("redeem", imported("redeem", str(offer), "--private-key-env", "DONOR_KEY", env=donor_key))
    check("ipfs", imported("ipfs", "add", str(art)))
