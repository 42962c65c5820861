"""What one write transaction on the SQLite store may do (``SqliteStore.writer`` opens it):
the ``ContentWriter`` contract of ``store.py``, as ``postgres_writer.py`` is for PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any

from terminology.storage.records import (
    RETIRED_GRACE_SECONDS,
    ConceptRecord,
    Progress,
    StoredResource,
    indexed_properties,
    number_subtrees,
    property_rows,
    stored_header,
    words_of,
)

#: Concepts written per statement batch (the progress bar moves once per batch).
_BATCH = 5000


class StoreWriter:
    """What one write transaction may do."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self.changed = False

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def delete_origin(self, origin: str) -> None:
        """Remove every resource (and stored code system) that came from ``origin``."""
        ids = self._db.execute(
            "SELECT id FROM resources WHERE resource_type = 'CodeSystem' AND origin = ?", (origin,)
        ).fetchall()
        for (rid,) in ids:
            self._drop_concepts(rid)
        self._db.execute("DELETE FROM resources WHERE origin = ?", (origin,))
        self.changed = True

    def origins_of(self, body: Mapping[str, Any]) -> set[str]:
        """Origins of the stored resources ``body`` would replace (same id or url|version)."""
        rows = self._db.execute(
            "SELECT origin FROM resources WHERE resource_type = ? AND (id = ? OR "
            "(url = ? AND version IS ?))",
            (body["resourceType"], body["id"], body["url"], body.get("version")),
        ).fetchall()
        return {origin for (origin,) in rows}

    def resources_like(
        self, resource_type: str, resource_id: str | None, url: str | None
    ) -> list[StoredResource]:
        rows = self._db.execute(
            "SELECT origin, body FROM resources WHERE resource_type = ? AND (id = ? OR url = ?)",
            (resource_type, resource_id, url),
        ).fetchall()
        return [StoredResource(resource_type, json.loads(body), origin) for origin, body in rows]

    def delete_resource(self, resource_type: str, resource_id: str) -> bool:
        found = self._db.execute(
            "SELECT 1 FROM resources WHERE resource_type = ? AND id = ?",
            (resource_type, resource_id),
        ).fetchone()
        if found is None:
            return False
        if resource_type == "CodeSystem":
            self._drop_concepts(resource_id)
        self._db.execute(
            "DELETE FROM resources WHERE resource_type = ? AND id = ?",
            (resource_type, resource_id),
        )
        self.changed = True
        return True

    def put_resource(self, body: Mapping[str, Any], origin: str) -> None:
        """Store a resource, replacing one with its id or with its url and version."""
        rtype, rid = body["resourceType"], body["id"]
        url, version = body["url"], body.get("version")
        self._replace(rtype, rid, url, version)
        self._db.execute(
            "INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?)",
            (rtype, rid, url, version, origin, json.dumps(body, ensure_ascii=False)),
        )
        self.changed = True

    def _replace(self, rtype: str, rid: str, url: str, version: str | None) -> None:
        old = self._db.execute(
            "SELECT id FROM resources WHERE resource_type = ? AND (id = ? OR "
            "(url = ? AND version IS ?))",
            (rtype, rid, url, version),
        ).fetchall()
        for (old_id,) in old:
            if rtype == "CodeSystem":
                self._drop_concepts(old_id)
            self._db.execute(
                "DELETE FROM resources WHERE resource_type = ? AND id = ?", (rtype, old_id)
            )

    def _drop_concepts(self, resource_id: str) -> None:
        """Retire the concepts of a replaced version. They stay readable for a while: a
        request that started on the previous content still reads them by their key."""
        self._db.execute(
            "UPDATE code_systems SET retired_at = ? WHERE resource_id = ? AND retired_at IS NULL",
            (time.time(), resource_id),
        )

    def purge_retired(self, older_than: float = RETIRED_GRACE_SECONDS) -> None:
        """Delete the concepts of versions retired more than ``older_than`` seconds ago."""
        for (key,) in self._db.execute(
            "SELECT cs FROM code_systems WHERE retired_at < ?", (time.time() - older_than,)
        ).fetchall():
            self._db.execute("DELETE FROM concepts WHERE cs = ?", (key,))
            self._db.execute("DELETE FROM concept_words WHERE cs = ?", (key,))
            self._db.execute("DELETE FROM is_a WHERE cs = ?", (key,))
            self._db.execute("DELETE FROM ancestry WHERE cs = ?", (key,))
            self._db.execute("DELETE FROM concept_properties WHERE cs = ?", (key,))
            self._db.execute("DELETE FROM property_indexes WHERE cs = ?", (key,))
            self._db.execute("DELETE FROM code_systems WHERE cs = ?", (key,))

    def put_code_system(
        self,
        header: Mapping[str, Any],
        records: Iterable[ConceptRecord],
        origin: str,
        *,
        total: int,
        progress: Progress | None = None,
    ) -> int:
        """Store a code-system version whose concepts are ``records`` (parents first); its
        resource is ``header`` with ``content = not-present`` and the concept ``count``.
        Returns the number of concepts stored."""
        body = stored_header(header, total)
        self.put_resource(body, origin)
        cursor = self._db.execute(
            "INSERT INTO code_systems (url, version, resource_id, concept_count) "
            "VALUES (?, ?, ?, ?)",
            (body["url"], body.get("version") or "", body["id"], total),
        )
        key = cursor.lastrowid
        assert key is not None
        numbered = number_subtrees(records, f"{body['url']}|{body.get('version')}", total=total)
        rows = numbered.rows
        if numbered.polyhierarchy:
            self._db.execute("UPDATE code_systems SET polyhierarchy = 1 WHERE cs = ?", (key,))
            self._db.executemany(
                "INSERT INTO is_a VALUES (?, ?, ?)", ((key, *link) for link in numbered.links())
            )
            self._db.executemany(
                "INSERT INTO ancestry VALUES (?, ?, ?)",
                ((key, *row) for row in numbered.ancestors()),
            )
        indexed = indexed_properties(header)
        self._db.executemany(
            "INSERT INTO property_indexes VALUES (?, ?)", ((key, prop) for prop in indexed)
        )
        self._db.executemany(
            "INSERT INTO concept_properties VALUES (?, ?, ?, ?)",
            ((key, *found) for found in property_rows(rows, indexed)),
        )
        for start in range(0, len(rows), _BATCH):
            batch = rows[start : start + _BATCH]
            self._db.executemany(
                "INSERT INTO concepts VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                ((key, *row) for row in batch),
            )
            self._db.executemany(
                "INSERT INTO concept_words (display, cs, code) VALUES (?, ?, ?)",
                ((words_of(row.display, row.extra), key, row.code) for row in batch),
            )
            if progress is not None:
                progress(start + len(batch), total)
        return total
