"""What can go wrong reaching a source, split by what retrying can do about it."""

from __future__ import annotations


class SourceError(Exception):
    """A source could not be pulled from; the message names the feed and the connection."""


class SourceMisconfigured(SourceError):
    """A missing or wrong connection, or credentials the source refuses: retrying cannot help (fails at once)."""


class SourceUnavailable(SourceError):
    """The source is down, timed out or answered with a server error: transient, retried with backoff."""
