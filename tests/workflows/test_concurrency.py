"""Concurrent commands, a reset devnet, stale fees, a failed send inside a batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from eth_keys.datatypes import PrivateKey

from provenance.chain.accounts import dev_accounts
from provenance.chain.address import to_checksum
from provenance.chain.devnet import Devnet

from ..conftest import NO_STATE_FILES
from .conftest import make_artwork, one_line_error, run_cli

DONOR = dev_accounts(2)[1]
PUBKEY = str(PrivateKey(bytes(DONOR.key)).public_key.to_hex())


def test_two_cold_mints_share_one_devnet(home: Path, tmp_path: Path) -> None:
    """Both commands find no devnet and no contract: one anvil, one deployment, two tokens."""
    arts = [make_artwork(tmp_path / f"c{i}.png", seed=900 + i) for i in range(2)]
    env = {**os.environ}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "provenance",
                "mint",
                str(a),
                "--donor",
                DONOR.address,
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for a in arts
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), results
    tokens = sorted(json.loads(out)["token_id"] for out, _ in results)
    contracts = {json.loads(out)["contract"] for out, _ in results}
    assert len(contracts) == 1 and len(tokens) == 2 and tokens[0] != tokens[1]
    anvils = subprocess.run(
        ["pgrep", "-f", str(home / "devnet" / "state.json")],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert len(anvils) == 1, f"more than one anvil on the state file: {anvils}"


def test_a_reset_devnet_does_not_trust_the_old_journal(home: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "reset.png", seed=950)
    first = run_cli("mint", str(art), "--donor", DONOR.address, "--json")
    assert first.returncode == 0, first.stderr
    signed = make_artwork(tmp_path / "signed-before-reset.png", seed=951)
    crashed = run_cli(
        "mint", str(signed), "--donor", DONOR.address, env={"PROVENANCE_FAILPOINT": "after-sign"}
    )
    assert crashed.returncode == 137
    devnet = Devnet(home / "devnet")
    devnet.down()
    devnet.state_file.unlink()  # a fresh chain: same chain id, same contract address
    again = run_cli("mint", str(art), "--donor", DONOR.address, "--json")
    assert again.returncode == 0, again.stderr
    token = json.loads(again.stdout)["token_id"]
    assert run_cli("verify", str(token)).returncode == 0
    # Its nonce is far past the fresh chain's: re-signed, not left waiting behind a gap.
    resumed = run_cli("mint", str(signed), "--donor", DONOR.address, "--json")
    assert resumed.returncode == 0, resumed.stderr


def test_a_rerun_before_signing_takes_the_new_options(home: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "typo.png", seed=960)
    crashed = run_cli(
        "mint",
        str(art),
        "--donor",
        DONOR.address,
        "--message",
        "typo mesage",
        "--donor-pubkey",
        PUBKEY,
        env={"PROVENANCE_FAILPOINT": "after-store"},
    )
    assert crashed.returncode == 137
    fixed = run_cli(
        "mint",
        str(art),
        "--donor",
        DONOR.address,
        "--message",
        "corrected message",
        "--donor-pubkey",
        PUBKEY,
        "--name",
        "New title",
        "--json",
    )
    assert fixed.returncode == 0, fixed.stderr
    token = json.loads(fixed.stdout)["token_id"]
    opened = run_cli(
        "decrypt", str(token), "--private-key-env", "K", env={"K": "0x" + bytes(DONOR.key).hex()}
    )
    assert opened.stdout.strip() == "corrected message"


def test_a_rerun_after_signing_refuses_other_options(home: Path, tmp_path: Path) -> None:
    art = make_artwork(tmp_path / "signed.png", seed=961)
    crashed = run_cli(
        "mint",
        str(art),
        "--donor",
        DONOR.address,
        "--name",
        "First",
        env={"PROVENANCE_FAILPOINT": "after-sign"},
    )
    assert crashed.returncode == 137
    other = run_cli("mint", str(art), "--donor", DONOR.address, "--name", "Second")
    assert other.returncode != 0
    assert "already signed" in one_line_error(other.stderr) and "name" in other.stderr
    same = run_cli("mint", str(art), "--donor", DONOR.address, "--name", "First")
    assert same.returncode == 0, same.stderr


@pytest.fixture()
def slow_chain(tmp_path: Path):  # type: ignore[no-untyped-def]
    """An anvil that mines only when told to, with the collection deployed by dev account 0."""
    import socket
    import time

    from provenance.chain.devnet import find_anvil

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [str(find_anvil()), "--port", str(port), "--no-mining", "--silent", *NO_STATE_FILES],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        from provenance.chain.rpc import RpcClient
        from provenance.errors import ChainError

        rpc = RpcClient(url)
        deadline = time.monotonic() + 15
        while True:
            try:
                rpc.chain_id()
                break
            except ChainError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        yield url, rpc
    finally:
        proc.terminate()
        proc.wait(10)


def _deploy_on(url: str, rpc, env: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    """Deploy with a background miner (the chain mines only on request)."""
    import threading
    import time

    stop = threading.Event()

    def miner() -> None:
        while not stop.is_set():
            rpc.request("evm_mine")
            time.sleep(0.2)

    thread = threading.Thread(target=miner, daemon=True)
    thread.start()
    try:
        deployed = run_cli("deploy", "--rpc-url", url, "--private-key-env", "PK", "--json", env=env)
        assert deployed.returncode == 0, deployed.stderr
    finally:
        stop.set()
        thread.join()
    return str(json.loads(deployed.stdout)["address"])


def _finish_while_mining(args: list[str], env: dict[str, str], rpc) -> dict[str, object]:  # type: ignore[no-untyped-def]
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "provenance", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        rpc.request("evm_mine")
        time.sleep(0.2)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return dict(json.loads(out))


@pytest.mark.parametrize("failpoint", ["after-sign", "after-send"])
def test_resume_re_signs_when_the_fee_cap_went_stale(
    home: Path,
    tmp_path: Path,
    slow_chain,  # type: ignore[no-untyped-def]
    failpoint: str,
) -> None:
    """after-sign: the node never saw the transaction; after-send: it sits in the pool, stuck
    under the new base fee. Either way the re-run signs the same nonce with fresh fees."""
    url, rpc = slow_chain
    env = {"PK": "0x" + bytes(dev_accounts(1)[0].key).hex()}
    contract = _deploy_on(url, rpc, env)
    art = make_artwork(
        tmp_path / f"fees-{failpoint}.png", seed={"after-sign": 970, "after-send": 971}[failpoint]
    )
    args = [
        "mint",
        str(art),
        "--donor",
        DONOR.address,
        "--rpc-url",
        url,
        "--contract",
        contract,
        "--private-key-env",
        "PK",
        "--json",
    ]
    crashed = run_cli(*args, env={**env, "PROVENANCE_FAILPOINT": failpoint})
    assert crashed.returncode == 137
    # The base fee jumps far above the signed transaction's fee cap.
    rpc.request("anvil_setNextBlockBaseFeePerGas", [hex(500 * 10**9)])
    rpc.request("evm_mine")
    result = _finish_while_mining(args, env, rpc)
    assert result["resumed"] is True
    from provenance.chain.contract import ProvenanceArt
    from provenance.state.journal import Journal

    assert ProvenanceArt(rpc, contract).total_minted() == 1
    entry = Journal(home / "journal.sqlite").find(
        chain_id=31337,
        contract=contract,
        image_sha256=__import__("hashlib").sha256(art.read_bytes()).hexdigest(),
    )
    assert entry is not None and entry.state == "minted"
    assert len(json.loads(entry.attempts)) == 1  # the stale transaction was replaced once
    assert entry.tx_hash == result["tx_hash"]


class FlakyProxy:
    """Forwards JSON-RPC to anvil, refusing the Nth eth_sendRawTransaction: HTTP 503 when it
    comes alone; inside a batch (a batch sends a window in one request), a JSON-RPC error for it
    while the batch's others go on to the node (those after it wait there behind the gap), or,
    ``outage``, HTTP 503 for the whole batch (the node never sees any of it)."""

    def __init__(self, upstream: str, fail_on: int, *, outage: bool = False) -> None:
        import http.server
        import threading
        import urllib.request

        proxy = self
        self.sends = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                if isinstance(payload, list):
                    self.batch(payload)
                    return
                if isinstance(payload, dict) and payload["method"] == "eth_sendRawTransaction":
                    proxy.sends += 1
                    if proxy.sends == fail_on:
                        self.send_response(503)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                self.answer(forward(body))

            def batch(self, calls: list[dict[str, object]]) -> None:
                refused = []
                for call in calls:
                    if call.get("method") == "eth_sendRawTransaction":
                        proxy.sends += 1
                        if proxy.sends == fail_on:
                            refused.append(call)
                if refused and outage:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                passed = [call for call in calls if call not in refused]
                answers = json.loads(forward(json.dumps(passed).encode())) if passed else []
                for call in refused:
                    error = {"code": -32003, "message": "flaky proxy: refused"}
                    answers.append({"jsonrpc": "2.0", "id": call["id"], "error": error})
                self.answer(json.dumps(answers).encode())

            def answer(self, answer: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        def forward(body: bytes) -> bytes:
            request = urllib.request.Request(upstream, body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as response:
                return bytes(response.read())

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("works,window,outage", [(6, 64, False), (10, 2, False), (10, 2, True)])
def test_a_failed_send_stops_the_batch_and_a_rerun_finishes(
    home: Path, tmp_path: Path, works: int, window: int, outage: bool
) -> None:
    """The 3rd transaction is refused: with one window, the rest of it is not attempted; with
    windows of 2, the refusal comes in the 2nd window while the 3rd may be signed and waiting
    for it (its sends chained after the 2nd's): that one is not sent either. ``outage``: the
    node cannot be reached for the 2nd window's batch, so none of it counts as sent. A re-run
    mints the rest, each work once."""
    import csv
    import time

    assert run_cli("chain", "up").returncode == 0
    devnet = Devnet(home / "devnet").info()
    assert devnet is not None
    from provenance.chain.network import connect, resolve_contract

    contract = resolve_contract(connect())
    before = contract.total_minted()
    folder = tmp_path / "batch"
    folder.mkdir()
    with open(tmp_path / "donors.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["artwork", "donor"])
        for i in range(works):
            make_artwork(folder / f"b{i}.png", seed=990 + 10 * window + 100 * outage + i)
            writer.writerow([f"b{i}.png", DONOR.address])
    proxy = FlakyProxy(devnet.rpc_url, fail_on=3, outage=outage)
    admin = {"PK": "0x" + bytes(dev_accounts(1)[0].key).hex()}
    args = [
        "mint-batch",
        str(folder),
        "--donors",
        str(tmp_path / "donors.csv"),
        "--rpc-url",
        proxy.url,
        "--contract",
        contract.address,
        "--private-key-env",
        "PK",
        "--window",
        str(window),
        "--json",
    ]
    try:
        started = time.monotonic()
        failed = run_cli(*args, env=admin)
        assert time.monotonic() - started < 60  # no wait behind a nonce gap
        assert failed.returncode == 1
        rows = json.loads(failed.stdout)["rows"]
        assert [r["token_id"] is not None for r in rows] == [True, True] + [False] * (works - 2)
        assert "could not send" in rows[2]["error"]
        assert all("not attempted" in r["error"] for r in rows[3:])
        finished = run_cli(*args, env=admin)
        assert finished.returncode == 0, finished.stdout
    finally:
        proxy.close()
    assert contract.total_minted() == before + works


def test_a_redemption_stuck_under_the_base_fee_is_replaced(
    home: Path,
    tmp_path: Path,
    slow_chain,  # type: ignore[no-untyped-def]
) -> None:
    """The outbox gives redemptions the mints' recovery: a redemption sent, then stranded under a
    raised base fee, is replaced on the re-run (same nonce, raised fee caps), not left to time
    out, and the voucher is redeemed once."""
    from provenance.chain.contract import ProvenanceArt
    from provenance.state.journal import Journal

    url, rpc = slow_chain
    env = {
        "PK": "0x" + bytes(dev_accounts(1)[0].key).hex(),
        "DK": "0x" + bytes(DONOR.key).hex(),
    }
    contract = _deploy_on(url, rpc, env)
    art = make_artwork(tmp_path / "stuck-redeem.png", seed=972)
    offer = tmp_path / "stuck.offer.json"
    chain = ["--rpc-url", url, "--contract", contract]
    made = run_cli(
        "offer", str(art), "--min-donation", "1gwei", "-o", str(offer), *chain,
        "--private-key-env", "PK", "--json", env=env,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    args = ["redeem", str(offer), *chain, "--private-key-env", "DK", "--json"]
    crashed = run_cli(*args, env={**env, "PROVENANCE_FAILPOINT": "redeem-after-send"})
    assert crashed.returncode == 137, crashed.stderr
    voucher = json.loads(offer.read_text())["voucher"]  # ids are scoped to their signer
    key = f"redeem:31337:{contract}:{to_checksum(voucher['signer'])}:{voucher['id']}"
    stuck = Journal(home / "journal.sqlite").transaction(key)
    assert stuck is not None  # journaled, and in the node's pool:
    assert rpc.request("eth_getTransactionByHash", [stuck.tx_hash]) is not None
    rpc.request("anvil_setNextBlockBaseFeePerGas", [hex(500 * 10**9)])
    rpc.request("evm_mine")
    result = _finish_while_mining(args, env, rpc)
    assert result["resumed"] is True
    assert result["tx_hash"] != stuck.tx_hash  # replaced, same nonce
    replacement = rpc.request("eth_getTransactionByHash", [result["tx_hash"]])
    assert int(replacement["nonce"], 16) == stuck.nonce
    assert ProvenanceArt(rpc, contract).total_minted() == 1
    assert Journal(home / "journal.sqlite").transaction(key) is None


@pytest.mark.parametrize("mode", ["object", "413", "truncate", "items"])
def test_a_batch_through_a_node_that_caps_batches_mints_each_work_once(
    home: Path, tmp_path: Path, mode: str
) -> None:
    """A window's transactions go in one JSON-RPC batch: a node that takes at most 3 calls a
    batch (each way public nodes refuse more) still gets every transaction, in nonce order, and
    each work is minted once."""
    import csv

    from ..capped_rpc import capped_rpc

    assert run_cli("chain", "up").returncode == 0
    devnet = Devnet(home / "devnet").info()
    assert devnet is not None
    from provenance.chain.network import connect, resolve_contract

    contract = resolve_contract(connect())
    before = contract.total_minted()
    folder = tmp_path / f"capped-{mode}"
    folder.mkdir()
    with open(tmp_path / "capped.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["artwork", "donor"])
        for i in range(7):
            make_artwork(folder / f"k{i}.png", seed=2200 + 10 * len(mode) + i)
            writer.writerow([f"k{i}.png", DONOR.address])
    admin = {"PK": "0x" + bytes(dev_accounts(1)[0].key).hex()}
    with capped_rpc(devnet.rpc_url, max_batch=3, mode=mode) as node:
        args = ["mint-batch", str(folder), "--donors", str(tmp_path / "capped.csv")]
        args += ["--rpc-url", node.url, "--contract", contract.address]
        result = run_cli(*args, "--private-key-env", "PK", "--window", "8", "--json", env=admin)
        assert max(node.sizes) > 3  # the window was offered whole, then split
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["minted"] == 7
    assert contract.total_minted() == before + 7
