"""The identifiers the generator types into comments are each found by ingest's redaction, under their kind."""

from __future__ import annotations

from collections import Counter

import numpy as np

from ingest.redact import redact
from synth.free_text import KINDS, with_identifiers


def test_every_generated_identifier_is_redacted_under_its_kind():
    """GIVEN 200 comments given an identifier each (every kind and written form, from a fixed seed)
    WHEN each is redacted
    THEN exactly one placeholder of the recorded kind replaces it and the original comment is kept."""
    comments = np.array(["Waited five hours to be seen."] * 200, dtype=object)
    injected, kinds = with_identifiers(comments, np.random.default_rng(7))
    assert Counter(kinds) == {k: 40 for k in KINDS}
    for text, kind in zip(injected, kinds, strict=True):
        redacted, found = redact(text)
        assert found == {kind: 1}, (text, redacted)
        assert redacted.startswith("Waited five hours to be seen. ") and f"[{kind}]" in redacted
