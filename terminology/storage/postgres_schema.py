"""The PostgreSQL store's tables (``postgres_store.py`` creates them when missing): the same
as the SQLite store's, in PostgreSQL's types, with "C" collation so codes sort and compare as
SQLite compares them."""

from __future__ import annotations

from typing import LiteralString

#: Every table; a schema missing one gets them all created (``IF NOT EXISTS``).
TABLES = (
    "meta",
    "resources",
    "code_systems",
    "concepts",
    "is_a",
    "ancestry",
    "property_indexes",
    "concept_properties",
)

SCHEMA: list[LiteralString] = [
    'CREATE TABLE IF NOT EXISTS meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT NOT NULL)',
    """CREATE TABLE IF NOT EXISTS resources (
        resource_type TEXT COLLATE "C" NOT NULL,
        id TEXT COLLATE "C" NOT NULL,
        url TEXT COLLATE "C" NOT NULL,
        version TEXT COLLATE "C",
        origin TEXT COLLATE "C" NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (resource_type, id)
    )""",
    """CREATE TABLE IF NOT EXISTS code_systems (
        cs BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        url TEXT COLLATE "C" NOT NULL,
        version TEXT COLLATE "C" NOT NULL,
        resource_id TEXT COLLATE "C" NOT NULL,
        concept_count INTEGER NOT NULL,
        -- When a newer load replaced it (unix time); NULL while it is served.
        retired_at DOUBLE PRECISION,
        -- Concepts may have several parents (is_a and ancestry hold its hierarchy).
        polyhierarchy BOOLEAN NOT NULL DEFAULT false
    )""",
    """CREATE TABLE IF NOT EXISTS concepts (
        cs BIGINT NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        ord INTEGER NOT NULL,
        last INTEGER NOT NULL,
        display TEXT,
        parent TEXT COLLATE "C",
        children TEXT NOT NULL,
        extra TEXT,
        words TEXT[] NOT NULL,
        PRIMARY KEY (cs, code)
    )""",
    """CREATE TABLE IF NOT EXISTS is_a (
        cs BIGINT NOT NULL,
        parent TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (cs, parent, code)
    )""",
    """CREATE TABLE IF NOT EXISTS ancestry (
        cs BIGINT NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        ancestors TEXT NOT NULL,
        PRIMARY KEY (cs, code)
    )""",
    """CREATE TABLE IF NOT EXISTS property_indexes (
        cs BIGINT NOT NULL,
        prop TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (cs, prop)
    )""",
    """CREATE TABLE IF NOT EXISTS concept_properties (
        cs BIGINT NOT NULL,
        prop TEXT COLLATE "C" NOT NULL,
        value TEXT COLLATE "C" NOT NULL,
        code TEXT COLLATE "C" NOT NULL,
        PRIMARY KEY (cs, prop, value, code)
    )""",
    "CREATE INDEX IF NOT EXISTS code_systems_by_resource ON code_systems (resource_id)",
    "CREATE UNIQUE INDEX IF NOT EXISTS concepts_by_ord ON concepts (cs, ord)",
    "CREATE INDEX IF NOT EXISTS concepts_by_words ON concepts USING gin (array_to_tsvector(words))",
]
