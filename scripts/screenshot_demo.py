#!/usr/bin/env python3
"""The README's and docs/exhibition's pictures of the demo's real works: runs ``scripts/demo`` on a
fresh PROVENANCE_HOME, serves its gallery (``provenance gallery serve``) and looks at the index and
the minted work's page in headless Chromium (Debian's, through playwright-core, with
tests/js/exhibition_check.mjs, which waits until every badge and live portrait has settled).

    .venv/bin/python scripts/screenshot_demo.py [--out docs/exhibition]

Writes demo-index-1280.png, demo-work-1280.png and demo-work-390.png, and prints what each page
showed (badges, live portraits, animations) as JSON; exits 1 when a badge is not green or a live
portrait does not run, so a broken page never becomes a picture in the docs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHECK = REPO / "tests/js/exhibition_check.mjs"
PROVENANCE = REPO / ".venv/bin/provenance"
GREEN = ("ok", "authentic")  # a settled badge's data-state (older pages: ok)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gallery serve did not listen on port {port} within {seconds:.0f} s")


def look(url: str, shot: Path, width: int, profile: Path) -> dict[str, Any]:
    result = subprocess.run(
        ["node", str(CHECK), url, str(shot), str(profile), str(width)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=REPO,
    )
    if result.returncode != 0:
        raise SystemExit(f"exhibition_check.mjs failed on {url}: {result.stderr.strip()[-1500:]}")
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=REPO / "docs/exhibition")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PROVENANCE_HOME": f"{tmp}/home",
            "PROVENANCE_DEMO_DIR": f"{tmp}/demo",
        }
        started = time.perf_counter()
        demo = subprocess.run(
            [str(REPO / "scripts/demo")], env=env, capture_output=True, text=True, check=False
        )
        demo_seconds = time.perf_counter() - started
        port = free_port()
        server = None
        try:
            if demo.returncode != 0:
                print(demo.stdout[-3000:] + demo.stderr[-3000:], file=sys.stderr)
                return 1
            token = re.search(r"^tokens\s+([0-9a-f]{8}) \(donor A", demo.stdout, re.MULTILINE)
            assert token, demo.stdout
            verify = subprocess.run(
                [str(PROVENANCE), "verify", token.group(1), "--json"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            token_hex = json.loads(verify.stdout)["token_hex"]
            server = subprocess.Popen(
                [str(PROVENANCE), "gallery", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            wait_for(port, 60)
            base = f"http://127.0.0.1:{port}"
            pages = {
                "demo-index-1280.png": (f"{base}/index.html", 1280),
                "demo-work-1280.png": (f"{base}/work/{token_hex}.html", 1280),
                "demo-work-390.png": (f"{base}/work/{token_hex}.html", 390),
            }
            reports = {}
            args.out.mkdir(parents=True, exist_ok=True)
            for name, (url, width) in pages.items():
                shot = Path(tmp) / name
                reports[name] = look(url, shot, width, Path(tmp) / f"profile-{width}")
                broken = [b for b in reports[name]["badges"] if b not in GREEN] or [
                    lp for lp in reports[name]["live"] if lp["state"] != "running"
                ]
                if broken or reports[name]["errors"]:
                    print(json.dumps(reports[name], indent=2), file=sys.stderr)
                    print(f"{name}: the page is not all green and running", file=sys.stderr)
                    return 1
                (args.out / name).write_bytes(shot.read_bytes())
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
            subprocess.run(
                [str(PROVENANCE), "chain", "down"], env=env, capture_output=True, check=False
            )
    print(json.dumps({"demo_seconds": round(demo_seconds, 1), "pages": reports}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
