"""The PostgreSQL store's write transaction: what ``PostgresStore.writer()`` hands out."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, LiteralString

import psycopg
from psycopg.rows import TupleRow

from terminology.storage.postgres_words import index_words
from terminology.storage.records import (
    RETIRED_GRACE_SECONDS,
    ConceptRecord,
    Progress,
    StoredResource,
    indexed_properties,
    number_subtrees,
    property_rows,
    stored_header,
)

Connection = psycopg.Connection[TupleRow]

#: Concepts sent per progress report.
_BATCH = 5000

#: The database's clock as unix time: replicas retire and purge by one clock.
_NOW: LiteralString = "extract(epoch FROM clock_timestamp())::double precision"


class PostgresWriter:
    """What one write transaction may do."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.changed = False

    def _rows(self, query: LiteralString, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(query, params).fetchall()

    def meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = %s", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute(
            "INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = "
            "EXCLUDED.value",
            (key, value),
        )

    def delete_origin(self, origin: str) -> None:
        """Remove every resource (and stored code system) that came from ``origin``."""
        ids = self._rows(
            "SELECT id FROM resources WHERE resource_type = 'CodeSystem' AND origin = %s",
            (origin,),
        )
        for (rid,) in ids:
            self._drop_concepts(rid)
        self._conn.execute("DELETE FROM resources WHERE origin = %s", (origin,))
        self.changed = True

    def origins_of(self, body: Mapping[str, Any]) -> set[str]:
        """Origins of the stored resources ``body`` would replace (same id or url|version)."""
        rows = self._rows(
            "SELECT origin FROM resources WHERE resource_type = %s AND (id = %s OR "
            "(url = %s AND version IS NOT DISTINCT FROM %s::text))",
            (body["resourceType"], body["id"], body["url"], body.get("version")),
        )
        return {origin for (origin,) in rows}

    def resources_like(
        self, resource_type: str, resource_id: str | None, url: str | None
    ) -> list[StoredResource]:
        rows = self._rows(
            "SELECT origin, body FROM resources WHERE resource_type = %s AND (id = %s OR url = %s)",
            (resource_type, resource_id, url),
        )
        return [StoredResource(resource_type, json.loads(body), origin) for origin, body in rows]

    def delete_resource(self, resource_type: str, resource_id: str) -> bool:
        found = self._rows(
            "SELECT 1 FROM resources WHERE resource_type = %s AND id = %s",
            (resource_type, resource_id),
        )
        if not found:
            return False
        if resource_type == "CodeSystem":
            self._drop_concepts(resource_id)
        self._conn.execute(
            "DELETE FROM resources WHERE resource_type = %s AND id = %s",
            (resource_type, resource_id),
        )
        self.changed = True
        return True

    def put_resource(self, body: Mapping[str, Any], origin: str) -> None:
        """Store a resource, replacing one with its id or with its url and version."""
        rtype, rid = body["resourceType"], body["id"]
        url, version = body["url"], body.get("version")
        self._replace(rtype, rid, url, version)
        self._conn.execute(
            "INSERT INTO resources VALUES (%s, %s, %s, %s, %s, %s)",
            (rtype, rid, url, version, origin, json.dumps(body, ensure_ascii=False)),
        )
        self.changed = True

    def _replace(self, rtype: str, rid: str, url: str, version: str | None) -> None:
        old = self._rows(
            "SELECT id FROM resources WHERE resource_type = %s AND (id = %s OR "
            "(url = %s AND version IS NOT DISTINCT FROM %s::text))",
            (rtype, rid, url, version),
        )
        for (old_id,) in old:
            if rtype == "CodeSystem":
                self._drop_concepts(old_id)
            self._conn.execute(
                "DELETE FROM resources WHERE resource_type = %s AND id = %s", (rtype, old_id)
            )

    def _drop_concepts(self, resource_id: str) -> None:
        """Retire the concepts of a replaced version. They stay readable for a while: a
        request that started on the previous content still reads them by their key."""
        self._conn.execute(
            "UPDATE code_systems SET retired_at = " + _NOW + " "
            "WHERE resource_id = %s AND retired_at IS NULL",
            (resource_id,),
        )

    def purge_retired(self, older_than: float = RETIRED_GRACE_SECONDS) -> None:
        """Delete the concepts of versions retired more than ``older_than`` seconds ago."""
        for (key,) in self._rows(
            "SELECT cs FROM code_systems WHERE retired_at < " + _NOW + " - %s",
            (older_than,),
        ):
            self._conn.execute("DELETE FROM concepts WHERE cs = %s", (key,))
            self._conn.execute("DELETE FROM is_a WHERE cs = %s", (key,))
            self._conn.execute("DELETE FROM ancestry WHERE cs = %s", (key,))
            self._conn.execute("DELETE FROM concept_properties WHERE cs = %s", (key,))
            self._conn.execute("DELETE FROM property_indexes WHERE cs = %s", (key,))
            self._conn.execute("DELETE FROM code_systems WHERE cs = %s", (key,))

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
        found = self._rows(
            "INSERT INTO code_systems (url, version, resource_id, concept_count) "
            "VALUES (%s, %s, %s, %s) RETURNING cs",
            (body["url"], body.get("version") or "", body["id"], total),
        )
        key = found[0][0]
        numbered = number_subtrees(records, f"{body['url']}|{body.get('version')}", total=total)
        rows = numbered.rows
        if numbered.polyhierarchy:
            self._conn.execute("UPDATE code_systems SET polyhierarchy = true WHERE cs = %s", (key,))
            with self._conn.cursor() as cursor:
                with cursor.copy("COPY is_a (cs, parent, code) FROM STDIN") as copy:
                    for link in numbered.links():
                        copy.write_row((key, *link))
                with cursor.copy("COPY ancestry (cs, code, ancestors) FROM STDIN") as copy:
                    for closure in numbered.ancestors():
                        copy.write_row((key, *closure))
        indexed = indexed_properties(header)
        if indexed:
            with self._conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO property_indexes VALUES (%s, %s)",
                    [(key, prop) for prop in sorted(indexed)],
                )
                with cursor.copy(
                    "COPY concept_properties (cs, prop, value, code) FROM STDIN"
                ) as copy:
                    for entry in property_rows(rows, indexed):
                        copy.write_row((key, *entry))
        # COPY streams every row in one statement, rather than a round trip per INSERT.
        with (
            self._conn.cursor() as cursor,
            cursor.copy(
                "COPY concepts (cs, code, ord, last, display, parent, children, extra, words) "
                "FROM STDIN"
            ) as copy,
        ):
            copy.set_types(
                ["int8", "text", "int4", "int4", "text", "text", "text", "text", "text[]"]
            )
            for start in range(0, len(rows), _BATCH):
                batch = rows[start : start + _BATCH]
                for row in batch:
                    copy.write_row((key, *row, index_words(row.display, row.extra)))
                if progress is not None:
                    progress(start + len(batch), total)
        # Fresh statistics, so the next search uses the word index at once rather than after
        # autovacuum's next round (a scan of every concept of the version meanwhile).
        self._conn.execute("ANALYZE concepts")
        if numbered.polyhierarchy:
            self._conn.execute("ANALYZE is_a")
        if indexed:
            self._conn.execute("ANALYZE concept_properties")
        return total
