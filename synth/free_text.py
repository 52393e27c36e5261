"""Identifiers people type into free-text comments, for the row defect ``identifier_in_free_text``.

Each touched comment gains one sentence holding one identifier, the kinds taken in turn from a random start so a
file with a few such comments has several kinds: an NHS Number (valid check digit, synthetic 999 range, spaced or
not), a telephone number (Ofcom's ranges for drama, valid to the numbering plan), a postcode of the area, an
e-mail address at example.com, or a date. Ingest must replace each by its placeholder (ingest.redact); the kind
is recorded, named as the placeholder, in the truth file.
"""

from __future__ import annotations

import numpy as np

from synth.nhs import generate_nhs_numbers

KINDS = ("NHS_NUMBER", "PHONE_NUMBER", "POSTCODE", "EMAIL", "DATE")
PHONES = ("020 7946 0{:03d}", "0121 496 0{:03d}", "0117 496 0{:03d}", "0161 496 0{:03d}", "+44 113 496 0{:03d}")
POSTCODES = ("HR1 2ER", "HR4 9AU", "HR9 5AX", "WR1 3AS", "WR5 1DD", "WR11 4BG", "DY10 1PG", "B97 4DE")
NAMES = ("ann.smith", "raj.patel", "j.jones", "megan_evans", "tomwilliams", "zoe.brown")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y")


def identifier(kind: str, rng: np.random.Generator) -> str:
    """One identifier of ``kind`` written as a person might type it."""
    match kind:
        case "NHS_NUMBER":
            digits = str(int(generate_nhs_numbers(1, rng)[0]))
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if rng.random() < 0.5 else digits
        case "PHONE_NUMBER":
            return PHONES[rng.integers(len(PHONES))].format(int(rng.integers(1000)))
        case "POSTCODE":
            return POSTCODES[rng.integers(len(POSTCODES))]
        case "EMAIL":
            return f"{NAMES[rng.integers(len(NAMES))]}{int(rng.integers(10, 100))}@example.com"
        case "DATE":
            day = np.datetime64("1940-01-01") + np.timedelta64(int(rng.integers(0, 30_000)), "D")
            return day.astype(object).strftime(DATE_FORMATS[rng.integers(len(DATE_FORMATS))])
    raise ValueError(kind)


SENTENCES = {"NHS_NUMBER": "My NHS number is {}.", "PHONE_NUMBER": "Please call me back on {}.",
             "POSTCODE": "I live at {}.", "EMAIL": "You can email me at {}.", "DATE": "This was on {}."}


def with_identifiers(comments: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    """Each comment with a sentence holding one identifier added, and the kind of each."""
    start = int(rng.integers(len(KINDS)))
    kinds = [KINDS[(start + i) % len(KINDS)] for i in range(len(comments))]
    out = np.array([f"{c} {SENTENCES[k].format(identifier(k, rng))}".strip() for c, k in zip(comments, kinds,
                                                                                          strict=True)], dtype=object)
    return out, kinds
