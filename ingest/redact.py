"""Identifiers typed into free text, replaced by typed placeholders at ingest (contract ``free_text: redact``).

Found by Microsoft Presidio's pattern recognisers, used without a language model (none can be installed here):
NHS Numbers (spaced, hyphenated or not; only with a valid modulus-11 check digit), UK postcodes, telephone
numbers (Google's libphonenumber, UK numbering plan, valid numbers only), e-mail addresses and numeric dates
(``12/03/2024``, ``2024-03-12``, ``12.03.2024``, ``12-MAR-2024``, ...). Presidio's anonymizer replaces them and
settles overlaps. Names, and dates written in words ("3 March 2024"), are NOT found: finding them needs a
language model (see docs/contracts.md).

Only feeds with a ``redact`` column pay for this: the libraries are imported on first use (1 s on a quiet machine,
more on a busy one; ``ingest_files`` starts it in the background when any of its files has free text to redact),
and each distinct text is analysed once per file group (0.3-1 ms a comment).
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from functools import cache

import duckdb
import numpy as np

from config.contracts import Column, Contract
from ingest import engine
from ingest.row_checks import q

log = logging.getLogger(__name__)

REDACTED = "_redacted"  # the temp table (_rid, _r_<column>...) of the file's connection

# Presidio entity -> the placeholder written in its place; the ledger counts by the name inside the brackets.
PLACEHOLDERS = {
    "UK_NHS": "[NHS_NUMBER]",
    "UK_POSTCODE": "[POSTCODE]",
    "PHONE_NUMBER": "[PHONE_NUMBER]",
    "EMAIL_ADDRESS": "[EMAIL]",
    "DATE_TIME": "[DATE]",
}


def redacted_name(col: Column) -> str:
    """The column of ``_redacted`` holding a redacted column's text."""
    return f"_r_{col.name}"


def redacted_columns(contract: Contract) -> list[Column]:
    return [c for c in contract.columns if c.free_text == "redact"]


# Held while the engines are made and while they analyse: ingest's lanes (ingest.load) can reach two feeds with free
# text at once, and Presidio does not promise that its engines may be shared between threads.
_PRESIDIO = threading.RLock()


def _engines():
    """Presidio's analyzer with only the five pattern recognisers and no NLP model, its anonymizer and the
    operators writing the placeholders: made once per process."""
    with _PRESIDIO:
        return _made_engines()


@cache
def load_in_background() -> None:
    """Import Presidio and make the engines in a thread of their own, so a run's first file with free text does
    not wait for them; once a process (the thread's start is cached). A failure is only logged here: it is raised
    again where the engines are used."""
    def load() -> None:
        try:
            _engines()
        except Exception:  # noqa: BLE001 - raised again by the redaction that needs the engines
            log.debug("loading Presidio ahead failed", exc_info=True)

    threading.Thread(target=load, name="presidio-import", daemon=True).start()


@cache
def _made_engines():
    import tldextract
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine
    from presidio_analyzer.predefined_recognizers import (
        DateRecognizer,
        EmailRecognizer,
        NhsRecognizer,
        PhoneRecognizer,
        UkPostcodeRecognizer,
    )
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig

    offline = tldextract.TLDExtract(cache_dir=None, suffix_list_urls=())  # the bundled suffix list: no download

    class OfflineEmailRecognizer(EmailRecognizer):
        """Presidio's e-mail recogniser checks the domain against the public suffix list, which tldextract
        would otherwise try to download on first use."""

        def validate_result(self, pattern_text: str) -> bool:
            return offline(pattern_text).fqdn != ""

    registry = RecognizerRegistry(recognizers=[
        NhsRecognizer(), UkPostcodeRecognizer(), PhoneRecognizer(supported_regions=("GB",)),
        OfflineEmailRecognizer(), DateRecognizer(),
    ])
    analyzer = AnalyzerEngine(registry=registry, nlp_engine=NoOpNlpEngine(models=[{"lang_code": "en",
                                                                                  "model_name": "none"}]))
    operators = {entity: OperatorConfig("replace", {"new_value": text}) for entity, text in PLACEHOLDERS.items()}
    return analyzer, AnonymizerEngine(), operators


def redact(text: str) -> tuple[str, Counter]:
    """The text with every identifier found replaced by its placeholder, and the count of each placeholder
    written (by name: ``NHS_NUMBER``, ``POSTCODE``, ``PHONE_NUMBER``, ``EMAIL``, ``DATE``)."""
    analyzer, anonymizer, operators = _engines()
    found = analyzer.analyze(text, language="en", entities=list(PLACEHOLDERS))
    if not found:
        return text, Counter()
    result = anonymizer.anonymize(text, found, operators=operators)
    return result.text, Counter(PLACEHOLDERS[item.entity_type][1:-1] for item in result.items)


def register_redacted(con: duckdb.DuckDBPyConnection, contract: Contract,
                      files: list[int]) -> dict[int, dict[str, int]]:
    """Redact the free text of the rows of ``files`` (indexes in the group) that passed the row checks, create
    temp table ``_redacted`` (``_rid``, one redacted text column per ``redact`` column) on the connection, return the
    redactions made per file, by placeholder name. A row written without its entry in ``_redacted`` would carry
    a null, never the text as written."""
    columns = redacted_columns(contract)
    texts = ", ".join(f"_a.{q(c.name)}" for c in columns)
    rows = con.execute(
        f"select _a._rid, _a._file, {texts} from typed _a anti join violations _v "
        f"on _v._file = _a._file and _v._line = _a._line where _a._file in ({', '.join(map(str, files))})").fetchall()
    done: dict[str, tuple[str, Counter]] = {}  # the same text is analysed once
    counts: dict[int, Counter] = {}
    out: list[list[str | None]] = [[] for _ in columns]
    with _PRESIDIO:
        for _, file, *values in rows:
            for i, value in enumerate(values):
                if value is None:
                    out[i].append(None)
                    continue
                if value not in done:
                    done[value] = redact(value)
                text, found = done[value]
                out[i].append(text)
                counts.setdefault(file, Counter()).update(found)
    engine.temp_table(con, REDACTED, {"_rid": np.array([r[0] for r in rows], dtype="int64"),
                                      **{redacted_name(c): np.array(out[i], dtype=object)
                                         for i, c in enumerate(columns)}},
                      types={redacted_name(c): "varchar" for c in columns})
    return {file: dict(sorted(found.items())) for file, found in counts.items()}
