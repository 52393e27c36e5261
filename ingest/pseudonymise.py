"""Keyed pseudonyms: HMAC-SHA-256 (RFC 2104) of the normalised NHS Number, computed inside DuckDB.

The key is only ever held in memory: it reaches DuckDB as two bound parameters (the padded inner and outer key
blocks), never as SQL text, a file or a log line. Computing the HMAC in SQL keeps it vectorised and parallel.
"""

from __future__ import annotations

import hashlib
import hmac

BLOCK = 64  # SHA-256 block size in bytes
IPAD_PARAM = "hmac_ipad"
OPAD_PARAM = "hmac_opad"


def pseudonym(key: bytes, nhs_number: str) -> str:
    """The reference implementation (standard library), used by tests to check the SQL."""
    return hmac.new(key, nhs_number.encode("ascii"), hashlib.sha256).hexdigest()


def key_parameters(key: bytes) -> dict[str, bytes]:
    """The bound parameters the SQL expression needs: the key XOR ipad and XOR opad, per RFC 2104."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK, b"\0")
    return {IPAD_PARAM: bytes(b ^ 0x36 for b in key), OPAD_PARAM: bytes(b ^ 0x5C for b in key)}


def hmac_sql(expr: str) -> str:
    """SQL for HMAC-SHA-256 of a text expression, hex encoded; null stays null."""
    return f"sha256(${OPAD_PARAM}::blob || unhex(sha256(${IPAD_PARAM}::blob || encode({expr}))))"
