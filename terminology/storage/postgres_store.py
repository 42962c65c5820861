"""The PostgreSQL content store (``TERMINOLOGY_DATABASE_URL``): the same contract and the same
logical layout as the embedded SQLite store, for several replicas sharing one database.

Layout (in one schema, ``public`` unless told otherwise), as in ``sqlite_store``:
- ``meta``: the schema version and the content generation (bumped by every change).
- ``resources``: every CodeSystem, ValueSet and ConceptMap as FHIR JSON text.
- ``code_systems``: one row per stored code-system version; its key comes from an identity
  sequence, so each load takes a new key and two loads' concepts never mix. A replaced version
  is retired (``retired_at``, by the database's clock, which every replica shares) and its
  concepts purged by a write some minutes later.
- ``concepts``: one row per concept; ``ord`` and ``last`` number each subtree, so is-a is a
  range. ``words`` is the concept's display and designation words, split and folded in Python
  (below), with a GIN index on ``array_to_tsvector(words)`` for ``$expand``'s ``filter``.
- ``is_a`` and ``ancestry``, for a polyhierarchy only (SNOMED CT): every is-a link, keyed by
  parent (descendants are a recursive query), and each concept's ancestors (the transitive
  closure computed at load, one row per concept: membership is one read).

Text keys are ``COLLATE "C"``: comparisons and ordering are bytewise, as in SQLite, whatever
the database's collation, and a code-prefix search is a range scan of the primary key.

Full-text search: ``array_to_tsvector`` turns the word list into lexemes as they are, and the
query is a ``tsquery`` of ``'word':*`` prefix terms, so PostgreSQL's text parser and
dictionaries (which split and normalise words their own way) play no part: a concept matches
when every query word is a byte prefix of one of its words, both split by the rule the
caller's exact filter uses. Words are also stripped of diacritics, as SQLite's ``unicode61
remove_diacritics`` does; that only widens what is found, never narrows it.

Writers: one transaction each, serialised by a transaction-scoped advisory lock on the schema;
readers use other connections and, at READ COMMITTED, see a load whole or not at all. Reads use
one autocommit connection per thread; one found broken (PostgreSQL restarted, the connection
killed) is replaced and the read tried once more. A forked worker (granian forks them from the
process that seeded the store) opens its own: a connection is never shared by two processes.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, LiteralString, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from terminology.errors import TerminologyError
from terminology.storage.postgres_schema import SCHEMA as _SCHEMA
from terminology.storage.postgres_schema import TABLES as _TABLES
from terminology.storage.postgres_words import prefix_query
from terminology.storage.postgres_writer import Connection, PostgresWriter
from terminology.storage.records import (
    ConceptRow,
    StoredCodeSystem,
    StoredResource,
)
from terminology.storage.store import generation_stamp

SCHEMA_VERSION = "2"

#: Seconds to wait for a connection when the URL does not say.
CONNECT_TIMEOUT = 10

#: First key of the advisory locks this store takes; the second is the schema's CRC-32.
_LOCK_SPACE = 0x7465726D  # "term"


_COLUMNS: LiteralString = "code, display, parent, children, extra"


def without_password(url: str) -> str:
    """``url`` (a ``postgresql://`` URL or a ``key=value`` conninfo) without its password."""
    if "://" not in url:
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error:
            return "(an unreadable PostgreSQL conninfo)"
        params.pop("password", None)
        return make_conninfo("", **params)
    parts = urlsplit(url)
    netloc = parts.netloc
    userinfo, at, hosts = netloc.rpartition("@")
    if at:
        netloc = userinfo.partition(":")[0] + "@" + hosts
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(name == "password" for name, _ in pairs):
        query = urlencode([(name, value) for name, value in pairs if name != "password"])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _migrate(conn: Connection) -> None:
    """Bring a store of an older schema up to this one, in the caller's transaction. Schema 1
    lacks only what a polyhierarchy needs (the tables were just created): its content stays,
    as a shared store's loaded content must."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    if row is not None and row[0] == "1":
        conn.execute(
            "ALTER TABLE code_systems ADD COLUMN IF NOT EXISTS "
            "polyhierarchy BOOLEAN NOT NULL DEFAULT false"
        )
        conn.execute("UPDATE meta SET value = %s WHERE key = 'schema'", (SCHEMA_VERSION,))


class PostgresStore:
    """One store in one PostgreSQL schema. Reads use one connection per thread; writes go
    through ``writer()``, each on a connection of its own."""

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.schema = schema or "public"
        self.location = without_password(url)
        #: The store in messages: its location and, when not the default, its schema.
        self._where = self.location + (f" schema {self.schema}" if schema else "")
        self._lock_key = zlib.crc32(self.schema.encode()) - 2**31
        self._local = threading.local()
        self._guard = threading.Lock()
        #: Every reader connection, with the process that opened it.
        self._readers: dict[Connection, int] = {}
        #: Connections a forked process inherited: its parent's, so never used nor closed here
        #: (closing one would end the parent's session), only kept from the garbage collector.
        self._inherited: list[Connection] = []
        self._password: str | None = None
        try:
            params = conninfo_to_dict(url)
            password = params.get("password")
            self._password = str(password) if password else None
            params.setdefault("connect_timeout", CONNECT_TIMEOUT)
            self._conninfo = make_conninfo("", **params)
            found = self._prepare()
        except psycopg.Error as exc:
            raise TerminologyError(
                f"content store {self._where} cannot be opened ({self._scrub(exc)})"
            ) from exc
        if found != SCHEMA_VERSION:
            raise TerminologyError(
                f"content store {self._where} has schema {found}, "
                f"this server needs {SCHEMA_VERSION}"
            )

    def _scrub(self, exc: BaseException) -> str:
        """``exc``'s message, without the password should the driver have quoted it."""
        text = " ".join(str(exc).split())
        return text.replace(self._password, "***") if self._password else text

    def _connect(self) -> Connection:
        conn = psycopg.connect(self._conninfo, autocommit=True)
        try:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self) -> str:
        """Create the schema and tables if missing; return the stored schema version."""
        with self._connect() as conn:
            present = conn.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
                (self.schema, list(_TABLES)),
            ).fetchone()
            if present is None or present[0] < len(_TABLES):
                # Replicas starting together would race on CREATE TABLE IF NOT EXISTS.
                with conn.transaction():
                    self._lock(conn)
                    exists = conn.execute(
                        "SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)
                    ).fetchone()
                    if exists is None:
                        conn.execute(
                            sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(self.schema))
                        )
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute(
                        "INSERT INTO meta VALUES ('schema', %s), ('generation', '0') "
                        "ON CONFLICT (key) DO NOTHING",
                        (SCHEMA_VERSION,),
                    )
                    _migrate(conn)
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        return row[0] if row else "(none)"

    def _lock(self, conn: Connection) -> None:
        """Wait for this schema's writer lock, held until the transaction ends."""
        conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (_LOCK_SPACE, self._lock_key))

    # -- connections -------------------------------------------------------------------------
    def _reader(self) -> Connection:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._readers.get(conn) != os.getpid():
            conn = None  # opened by the process this one was forked from
        if conn is None or conn.closed:
            conn = self._connect()
            with self._guard:
                self._readers[conn] = os.getpid()
            old: weakref.finalize[Any, Any] | None = getattr(self._local, "finalizer", None)
            if old is not None:
                old.detach()
            self._local.conn = conn
            # Closed when its thread ends, rather than left to the garbage collector.
            self._local.finalizer = weakref.finalize(
                threading.current_thread(), self._release, conn
            )
        return conn

    def _release(self, conn: Connection) -> None:
        with self._guard:
            pid = self._readers.pop(conn, None)
            if pid != os.getpid():
                self._inherited.append(conn)
                return
        conn.close()

    def close(self) -> None:
        """Close every reader connection this process opened (each thread opens a new one
        when it reads again)."""
        with self._guard:
            readers, self._readers = self._readers, {}
            self._inherited += [conn for conn, pid in readers.items() if pid != os.getpid()]
        for conn, pid in readers.items():
            if pid == os.getpid():
                conn.close()

    def _rows(self, query: LiteralString, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read; when it fails on its connection, once more on a fresh one."""
        conn: Connection | None = None
        for attempt in (1, 2):
            try:
                conn = self._reader()
                return conn.execute(query, params).fetchall()
            except psycopg.OperationalError as exc:
                # A terminated backend is not always flagged broken when the error is raised, so
                # any operational error is retried once: a read can be asked again, and a
                # server that is really gone fails the second time too.
                if attempt == 1 and conn is not None:
                    self._release(conn)
                    continue
                raise TerminologyError(
                    f"content store {self._where} cannot be read ({self._scrub(exc)})",
                    status=503,
                    code="transient",
                ) from exc
        raise AssertionError("not reached")

    # -- metadata ----------------------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        rows = self._rows("SELECT value FROM meta WHERE key = %s", (key,))
        return str(rows[0][0]) if rows else None

    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    # -- resources ---------------------------------------------------------------------------
    def resources(self) -> list[StoredResource]:
        rows = self._rows(
            "SELECT resource_type, body, origin FROM resources ORDER BY resource_type, id"
        )
        return [StoredResource(rtype, json.loads(body), origin) for rtype, body, origin in rows]

    def code_systems(self) -> list[StoredCodeSystem]:
        rows = self._rows(
            "SELECT cs, url, version, resource_id, concept_count, polyhierarchy "
            "FROM code_systems WHERE retired_at IS NULL ORDER BY cs"
        )
        return [
            StoredCodeSystem(key, url, version or None, rid, count, bool(poly))
            for key, url, version, rid, count, poly in rows
        ]

    # -- concepts ----------------------------------------------------------------------------
    # PostgreSQL text holds no NUL character, so no stored code has one: a code asked for with
    # one is simply not there (SQLite answers the same).
    def concept(self, key: int, code: str) -> ConceptRow | None:
        if "\0" in code:
            return None
        rows = self._rows(
            "SELECT " + _COLUMNS + " FROM concepts WHERE cs = %s AND code = %s", (key, code)
        )
        return cast(ConceptRow, rows[0]) if rows else None

    def concepts(self, key: int) -> Iterator[ConceptRow]:
        """Every concept of one stored version, in its order."""
        # Fetched whole: the thread's connection stays free for other reads while the caller
        # iterates, and the rows are one snapshot even if a load replaces the version meanwhile.
        rows = self._rows(
            "SELECT " + _COLUMNS + " FROM concepts WHERE cs = %s ORDER BY ord", (key,)
        )
        return iter(cast(list[ConceptRow], rows))

    def subtree(self, key: int, code: str) -> Iterator[ConceptRow]:
        """``code`` and the concepts below it, in order: in a polyhierarchy, along every
        is-a link (a recursive query; UNION visits a concept reached twice once)."""
        if "\0" in code:
            return iter(())
        poly = self._rows("SELECT polyhierarchy FROM code_systems WHERE cs = %s", (key,))
        if poly and poly[0][0]:
            rows = self._rows(
                'WITH RECURSIVE below(code) AS (SELECT %s::text COLLATE "C" UNION '
                "SELECT l.code FROM is_a l JOIN below b ON l.cs = %s AND l.parent = b.code) "
                "SELECT c.code, c.display, c.parent, c.children, c.extra FROM below "
                "JOIN concepts c ON c.cs = %s AND c.code = below.code ORDER BY c.ord",
                (code, key, key),
            )
            return iter(cast(list[ConceptRow], rows))
        rows = self._rows(
            "SELECT d.code, d.display, d.parent, d.children, d.extra FROM concepts c "
            "JOIN concepts d ON d.cs = c.cs AND d.ord >= c.ord AND d.ord <= c.last "
            "WHERE c.cs = %s AND c.code = %s ORDER BY d.ord",
            (key, code),
        )
        return iter(cast(list[ConceptRow], rows))

    def ancestors(self, key: int, code: str) -> frozenset[str]:
        """Every code above ``code`` in a polyhierarchy, from its stored closure."""
        if "\0" in code:
            return frozenset()
        rows = self._rows("SELECT ancestors FROM ancestry WHERE cs = %s AND code = %s", (key, code))
        return frozenset(str(rows[0][0]).split(" ")) if rows else frozenset()

    def indexed_properties(self, key: int) -> frozenset[str]:
        rows = self._rows("SELECT prop FROM property_indexes WHERE cs = %s", (key,))
        return frozenset(str(prop) for (prop,) in rows)

    def with_properties(self, key: int, pairs: Sequence[tuple[str, str]]) -> Iterator[ConceptRow]:
        """The concepts whose indexed properties have every (property, value), in order."""
        if not pairs or any("\0" in prop or "\0" in value for prop, value in pairs):
            return iter(())
        each: LiteralString = (
            "SELECT code FROM concept_properties WHERE cs = %s AND prop = %s AND value = %s"
        )
        rows = self._rows(
            "SELECT "
            + _COLUMNS
            + " FROM concepts WHERE cs = %s AND code IN ("
            + " INTERSECT ".join([each] * len(pairs))
            + ") ORDER BY ord",
            [key, *(x for prop, value in pairs for x in (key, prop, value))],
        )
        return iter(cast(list[ConceptRow], rows))

    def search(self, key: int, text: str) -> Iterator[ConceptRow]:
        """Concepts with a display or designation word starting with each word of ``text``,
        or whose code starts with ``text`` (as given, upper or lower case), in order. Words
        are compared without diacritics, so this may return more than the caller's exact
        rule, never less."""
        query = prefix_query(text)
        prefix = text.strip()
        parts: list[LiteralString] = []
        args: list[Any] = []
        select: LiteralString = "SELECT " + _COLUMNS + ", ord FROM concepts WHERE cs = %s "
        if query is not None:
            parts.append(select + "AND array_to_tsvector(words) @@ %s::tsquery")
            args += [key, query]
        for spelling in sorted({prefix, prefix.upper(), prefix.lower()} - {""}):
            if "\0" in spelling:
                continue
            parts.append(select + "AND code >= %s AND code < %s")
            args += [key, spelling, spelling + "\U0010ffff"]
        if not parts:
            return iter(())
        rows = self._rows(
            "SELECT " + _COLUMNS + " FROM (" + " UNION ".join(parts) + ") found ORDER BY ord",
            args,
        )
        return iter(cast(list[ConceptRow], rows))

    # -- writing -----------------------------------------------------------------------------
    @contextmanager
    def writer(self) -> Iterator[PostgresWriter]:
        """One write transaction: everything it does is visible at once when the block ends,
        or not at all when it raises. Other writers wait (an advisory lock on the schema)."""
        try:
            conn = self._connect()
        except psycopg.Error as exc:
            raise TerminologyError(
                f"content store {self._where} cannot be written ({self._scrub(exc)})",
                status=503,
                code="transient",
            ) from exc
        try:
            with conn.transaction():
                self._lock(conn)
                writer = PostgresWriter(conn)
                writer.purge_retired()
                yield writer
                if writer.changed:
                    conn.execute(
                        "UPDATE meta SET value = (value::bigint + 1)::text WHERE key = 'generation'"
                    )
                    # The database's clock, which every replica shares.
                    clock = conn.execute("SELECT extract(epoch FROM clock_timestamp())")
                    now = float(clock.fetchone()[0])  # type: ignore[index]
                    for key, value in generation_stamp(now).items():
                        writer.set_meta(key, value)
        finally:
            conn.close()
