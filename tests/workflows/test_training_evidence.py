"""The training set a generation record names, as `verify` shows it: a built-in set by its name,
a published folder by its CID, and an unpublished folder said plainly (not as "an unnamed set")."""

from __future__ import annotations

import pytest

from provenance.workflows.verify import _training_evidence


@pytest.mark.parametrize(
    ("training", "shown"),
    [
        (
            {"source": "builtin:lfw", "images": 1000, "preprocessing": {"faces": "aligned"}},
            "trained on the built-in set lfw (1000 images, faces aligned)",
        ),
        (
            {
                "source": "folder",
                "cid": "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
            },
            "trained on bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        ),
        ({"source": "folder", "images": 7}, "trained on a set with no CID recorded (7 images)"),
        ({"source": 5, "cid": ["not", "text"]}, "trained on a set with no CID recorded"),
        (None, ""),
    ],
)
def test_the_training_set_is_named_as_the_record_names_it(training: object, shown: str) -> None:
    assert _training_evidence(training) == shown
