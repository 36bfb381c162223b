"""The GAN and the toolkit read the PNG generation record with their own parsers (``gan`` never
imports ``provenance``, and the toolkit must not need numpy): they must accept and refuse the
same records."""

from __future__ import annotations

import json

import pytest

from gan.errors import GanError
from gan.pngrecord import make_record, parse_record
from provenance.content.generation import parse_generation_record
from provenance.errors import InputError

GOOD = make_record("ab" * 32, 7, truncation=0.7, cid="bafkreitest")
CASES = [
    json.dumps(GOOD),
    json.dumps({**GOOD, "seed": "7"}),
    json.dumps({**GOOD, "code": 1}),
    json.dumps({"seed": 7, "code": "gan 0.1.0"}),
    json.dumps({**GOOD, "model": {"cid": "x"}}),
    json.dumps([GOOD]),
    "not json",
    "[" * 5000 + "]" * 5000,
    json.dumps({**GOOD, "pad": "x" * 70_000}),
    json.dumps({**GOOD, "upscale": {"factor": 4, "filter": "lanczos"}}),
    json.dumps({**GOOD, "upscale": {"factor": 1, "filter": "lanczos"}}),
    json.dumps({**GOOD, "upscale": {"factor": 33, "filter": "nearest"}}),
    json.dumps({**GOOD, "upscale": {"factor": True, "filter": "nearest"}}),
    json.dumps({**GOOD, "upscale": {"factor": 2, "filter": "bicubic"}}),
    json.dumps({**GOOD, "upscale": [2, "nearest"]}),
]


def test_the_upscale_limits_are_gan_samples() -> None:
    from gan.pngrecord import MAX_UPSCALE_FACTOR, UPSCALE_FILTER_NAMES
    from gan.sample import MAX_UPSCALE, UPSCALE_FILTERS

    assert (MAX_UPSCALE_FACTOR, set(UPSCALE_FILTER_NAMES)) == (MAX_UPSCALE, set(UPSCALE_FILTERS))


@pytest.mark.parametrize("text", CASES, ids=range(len(CASES)))
def test_both_parsers_accept_and_refuse_the_same_records(text: str) -> None:
    try:
        theirs: dict[str, object] | None = parse_record(text)
    except GanError:
        theirs = None
    try:
        ours: dict[str, object] | None = parse_generation_record(text)
    except InputError:
        ours = None
    assert theirs == ours
