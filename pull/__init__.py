"""Pulling extracts from the source systems (MESH, SFTP, SQL) into a feed's landing folder, exactly once.

Every source ends where a partner's own drop ends: the file in ``landing/<ORG>/<feed>/`` (atomic rename), then
the ``_READY`` marker; ingest and everything after it do not know how a file came. See docs/orchestration.md.
"""
