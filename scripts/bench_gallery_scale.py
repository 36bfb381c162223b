#!/usr/bin/env python3
"""Benchmark the gallery of thousands (issue 22, goal 3), the code before the change side by side.

    .venv/bin/python scripts/bench_gallery_scale.py [--works 1000] [--runs 3] [--before REF]
    .venv/bin/python scripts/bench_gallery_scale.py --works 10000 --runs 1 --no-before
    .venv/bin/python scripts/bench_gallery_scale.py --works 1000 --public-url https://g.example/
    .venv/bin/python scripts/bench_gallery_scale.py --smoke

In one run, on a private home with a devnet: mint N real works fast (tests/gallery/fastmint.py:
small PNGs and their metadata in the home's store, pre-signed raw mints in JSON-RPC batches),
then, for this checkout ("after") and for REF checked out in a temporary git worktree ("before",
default: the last commit before this work), in interleaved rounds:

  * `gallery build` of the N works, a whole process (interpreter start included), into a new
    folder, then again over that build (every page names the chain's block and time, so every
    file is replaced: on ext4 a file renamed over another is flushed, which costs more);
  * the first `gallery serve` render: from the server's first request for `/` to its answer;
  * in Chromium (playwright-core, tests/js/gallery_scale.mjs): from navigation to the first
    screenful of settled badges, and the requests made until then by kind (rpc: the chain
    reader, gateway: /ipfs/, blob: an image shown from its checked bytes), for the served gallery
    and for the static build (served from its folder, reading the devnet's node and a gateway).

Goal: the first screenful settled within 3 s with at most 2 requests per badge shown; build and
first render of 1,000 works in <= 1 s. The "before" browser check runs once (its first screenful
takes about a minute at 1,000 works) with a bound (--before-timeout). ``--smoke``: 20 works, one
round, no "before" (seconds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SCALE_JS = ROOT / "tests/js/gallery_scale.mjs"
BEFORE = "7aca75f"  # the last commit before the gallery of thousands (issue 22, goal 3)


def load() -> str:
    return (
        Path("/proc/loadavg").read_text().split(" ")[0] if Path("/proc/loadavg").exists() else "?"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {result.returncode}: {result.stderr[-600:]}")
    return elapsed


class Served:
    """`gallery serve` of one checkout, in its own process."""

    def __init__(self, code: Path, env: dict[str, str], public_url: str = "") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        command = [PY, "-m", "provenance", "gallery", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command + (["--public-url", public_url] if public_url else []),
            cwd=code,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    said = self.process.stderr.read() if self.process.stderr else ""
                    raise SystemExit(f"gallery serve exited: {said[-600:]}")
                time.sleep(0.05)
        raise SystemExit("gallery serve did not listen within 60 s")

    def first_render(self, path: str = "") -> float:
        """Seconds to the first answer of ``path`` (the index; ``screen/``: the wall's page)."""
        import httpx

        start = time.perf_counter()
        response = httpx.get(self.url + path, timeout=600)
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"GET /{path} answered {response.status_code}")
        return elapsed

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def browse(url: str, profile: Path, timeout_s: float, *, rpc: str = "") -> dict[str, object] | None:
    """The first screenful in Chromium; None when it did not settle within ``timeout_s``.
    ``rpc``: the node a static build's pages read (its requests are counted as "rpc")."""
    env = {**os.environ, "SCALE_TIMEOUT_MS": str(int(timeout_s * 1000))}
    result = subprocess.run(
        ["node", str(SCALE_JS), url, str(profile), "first", "", rpc],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=timeout_s + 120,
        check=False,
    )
    if result.returncode != 0:
        if "Timeout" in result.stderr:
            return None
        raise SystemExit(f"gallery_scale.mjs failed: {result.stderr[-800:]}")
    report: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


class _Files(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serving(server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def has_browser() -> bool:
    return (
        Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists()
        and shutil.which("node") is not None
        and (ROOT / "node_modules/playwright-core").is_dir()
    )


def summary(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.2f} [{min(values):.2f}, {max(values):.2f}]"


def per_badge(report: dict[str, object]) -> tuple[float, float, int]:
    """(network requests per badge shown, the same with blob loads, badges shown)."""
    requests = report["requests"]
    shown = len(report["onScreen"])  # type: ignore[arg-type]
    assert isinstance(requests, dict)
    network = requests["rpc"] + requests["gateway"]
    return network / shown, (network + requests["blob"]) / shown, shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--works", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", default=BEFORE, help="the commit to compare with")
    parser.add_argument("--no-before", action="store_true", help="measure this checkout only")
    parser.add_argument(
        "--public-url", default="", help="build with this public address (the screen's QR codes)"
    )
    parser.add_argument("--before-timeout", type=float, default=90.0, help="seconds (Chromium)")
    parser.add_argument("--smoke", action="store_true", help="20 works, one round (seconds)")
    args = parser.parse_args()
    if args.smoke:
        args.works, args.runs, args.no_before = 20, 1, True
    sys.path.insert(0, str(ROOT))
    from provenance.chain.devnet import Devnet

    with tempfile.TemporaryDirectory(prefix="bench-gallery-") as tmp_name:
        tmp = Path(tmp_name)
        home = tmp / "home"
        env = {**os.environ, "PROVENANCE_HOME": str(home), "PYTHONPATH": ""}
        os.environ["PROVENANCE_HOME"] = str(home)
        codes = {"after": ROOT}
        worktree = tmp / "before"
        try:
            if not args.no_before:
                subprocess.run(
                    ["git", "worktree", "add", "-q", "--detach", str(worktree), args.before],
                    cwd=ROOT,
                    check=True,
                )
                (worktree / "node_modules").symlink_to((ROOT / "node_modules").resolve())
                codes["before"] = worktree
            from provenance.ipfs.server import make_server
            from provenance.workflows.session import open_session
            from tests.gallery.fastmint import mint_many

            session = open_session()
            start = time.perf_counter()
            mint_many(session, args.works)
            minted_s = time.perf_counter() - start
            print(f"minted {args.works} works in {minted_s:.1f} s (load {load()})", flush=True)
            results: dict[str, dict[str, list[float]]] = {
                name: {
                    "build": [],
                    "rebuild": [],
                    "render": [],
                    "screen_page": [],
                    "screen": [],
                    "net": [],
                    "all": [],
                    "static": [],
                    "static_net": [],
                    "load": [],
                }
                for name in codes
            }
            browser = has_browser()
            if not browser:
                print("no Chromium/node/playwright-core: the browser figures are skipped")
            # The static build's gateway (CORS) and web server, in this process.
            gateway = serving(make_server(session.store, port=0))
            gateway_url = f"http://127.0.0.1:{gateway.server_address[1]}"
            for run in range(args.runs):
                for name, code in codes.items():
                    # The checkout's own package first: the "before" code runs as it was.
                    code_env = {**env, "PYTHONPATH": str(code)}
                    out = tmp / f"site-{name}-{run}"
                    command = [PY, "-m", "provenance", "gallery", "build", "-o", str(out)]
                    command += ["--gateway", gateway_url, "--json"]
                    if args.public_url:  # as an exhibition builds it: the screen's QR codes too
                        command += ["--public-url", args.public_url]
                    build = timed(command, code_env, code)  # into a new folder
                    rebuild = timed(command, code_env, code)  # over that build: every file replaced
                    once = browser and (name == "after" or run == 0)
                    bound = 60.0 if name == "after" else args.before_timeout
                    static = None
                    if once:
                        web = serving(
                            ThreadingHTTPServer(
                                ("127.0.0.1", 0), partial(_Files, directory=str(out))
                            )
                        )
                        try:
                            url = f"http://127.0.0.1:{web.server_address[1]}/index.html"
                            profile = tmp / f"profile-static-{name}-{run}"
                            static = browse(url, profile, bound, rpc=session.chain.rpc.url)
                        finally:
                            web.shutdown()
                            web.server_close()
                    shutil.rmtree(out)
                    served = Served(code, code_env, args.public_url)
                    try:
                        render = served.first_render()
                        screen_page = served.first_render("screen/")
                        report = None
                        if once:
                            report = browse(served.url, tmp / f"profile-{name}-{run}", bound)
                    finally:
                        served.close()
                    row = results[name]
                    if static is not None:
                        row["static"].append(float(static["firstScreenMs"]) / 1000)  # type: ignore[arg-type]
                        row["static_net"].append(per_badge(static)[0])
                    row["build"].append(build)
                    row["rebuild"].append(rebuild)
                    row["render"].append(render)
                    row["screen_page"].append(screen_page)
                    row["load"].append(float(load()))
                    if report is not None:
                        net, with_blob, shown = per_badge(report)
                        row["screen"].append(float(report["firstScreenMs"]) / 1000)  # type: ignore[arg-type]
                        row["net"].append(net)
                        row["all"].append(with_blob)
                        detail = f"{shown} badges, requests {report['requests']}"
                        if static is not None:
                            detail += (
                                f"; static build {static['firstScreenMs']} ms, {static['requests']}"
                            )
                    elif browser and once:
                        detail = f"first screenful not settled within {args.before_timeout:.0f} s"
                    else:
                        detail = ""
                    print(
                        f"round {run + 1} {name}: build {build:.2f} s, rebuild {rebuild:.2f} s,"
                        f" first render {render:.2f} s, screen page {screen_page:.2f} s"
                        f" {detail} (load {load()})",
                        flush=True,
                    )
            print(f"\n{args.works} works, medians [min, max] of {args.runs} rounds:")
            print("| | build s (new folder) | rebuild s (over it) | first serve render s |"
                  " screen page, first serve s | first screenful settled s | requests per badge (network) | (with blob loads)"
                  " | static build: first screenful s | (network requests per badge) | load |")  # fmt: skip
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            for name, row in results.items():
                print(
                    f"| {name} | {summary(row['build'])} | {summary(row['rebuild'])} |"
                    f" {summary(row['render'])} | {summary(row['screen_page'])} |"
                    f" {summary(row['screen'])} | {summary(row['net'])} | {summary(row['all'])}"
                    f" | {summary(row['static'])} | {summary(row['static_net'])}"
                    f" | {summary(row['load'])} |"
                )
            gateway.shutdown()
            gateway.server_close()
        finally:
            Devnet(home / "devnet").down()
            if worktree.exists():
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=False
                )


if __name__ == "__main__":
    main()
