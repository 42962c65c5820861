"""What only the PostgreSQL store has to show: a location without its password, writers of
several replicas taking turns, readers never seeing half a load, reads surviving a lost
connection."""

from __future__ import annotations

import os
import threading
import time

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from terminology.errors import TerminologyError
from terminology.storage.postgres_store import SCHEMA_VERSION, PostgresStore, without_password
from terminology.storage.records import ConceptRecord
from tests.storage.test_store import HEADER, RECORDS, codes, load


def with_password(url: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    user, at, hosts = rest.rpartition("@")
    assert at, "the test URL names its user"
    return f"{scheme}://{user}:{password}@{hosts}"


def test_the_location_never_shows_the_password(postgres_url, postgres_schema) -> None:
    # Trust authentication ignores the password, so the store opens all the same.
    store = PostgresStore(with_password(postgres_url, "s3cret"), schema=postgres_schema)
    try:
        assert store.location == postgres_url
        assert store.generation() == 0
    finally:
        store.close()
    assert without_password("postgres://u:p%40ss@db:5432/x?sslmode=require&password=q") == (
        "postgres://u@db:5432/x?sslmode=require"
    )
    assert conninfo_to_dict(without_password("host=db user=u password=p dbname=x")) == {
        "host": "db",
        "user": "u",
        "dbname": "x",
    }


def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    url = "postgresql://someone:s3cret@127.0.0.1:1/nowhere?connect_timeout=3"
    with pytest.raises(TerminologyError) as caught:
        PostgresStore(url)
    message = str(caught.value)
    assert "content store postgresql://someone@127.0.0.1:1/nowhere" in message
    assert "cannot be opened" in message and "s3cret" not in message


def test_a_store_of_another_schema_version_is_refused(postgres_url, postgres_schema) -> None:
    PostgresStore(postgres_url, schema=postgres_schema).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("UPDATE {}.meta SET value = '0' WHERE key = 'schema'").format(
                sql.Identifier(postgres_schema)
            )
        )
    with pytest.raises(TerminologyError, match=f"has schema 0, this server needs {SCHEMA_VERSION}"):
        PostgresStore(postgres_url, schema=postgres_schema)


def test_a_schema_1_store_is_migrated_with_its_content(postgres_url, postgres_schema) -> None:
    """Schema 1 lacked only the polyhierarchy tables and flag: a shared store keeps what was
    loaded into it when a newer server opens it."""
    store = PostgresStore(postgres_url, schema=postgres_schema)
    key = load(store)
    store.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        schema = sql.Identifier(postgres_schema)
        for statement in (
            "DROP TABLE {}.is_a",
            "DROP TABLE {}.ancestry",
            "ALTER TABLE {}.code_systems DROP COLUMN polyhierarchy",
            "UPDATE {}.meta SET value = '1' WHERE key = 'schema'",
        ):
            conn.execute(sql.SQL(statement).format(schema))
    reopened = PostgresStore(postgres_url, schema=postgres_schema)
    try:
        assert reopened.meta("schema") == SCHEMA_VERSION
        (stored,) = reopened.code_systems()
        assert (stored.key, stored.polyhierarchy) == (key, False)
        assert codes(reopened.concepts(key)) == ["A", "B", "B1", "B2", "C", "D"]
    finally:
        reopened.close()


def test_replicas_starting_together_create_the_tables_once(postgres_url, postgres_schema):
    stores: list[PostgresStore] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            stores.append(PostgresStore(postgres_url, schema=postgres_schema))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for store in stores:
        store.close()
    assert errors == [] and len(stores) == 4


def test_writers_of_two_replicas_take_turns(postgres_url, postgres_schema) -> None:
    first = PostgresStore(postgres_url, schema=postgres_schema)
    second = PostgresStore(postgres_url, schema=postgres_schema)
    inside = threading.Event()
    spans: dict[str, tuple[float, float]] = {}

    def write(store: PostgresStore, name: str, hold: float) -> None:
        with store.writer() as writer:
            began = time.monotonic()
            inside.set()
            header = {**HEADER, "id": f"demo-{name}", "version": name}
            writer.put_code_system(header, RECORDS, name, total=len(RECORDS))
            time.sleep(hold)
            spans[name] = (began, time.monotonic())

    try:
        before = first.generation()
        a = threading.Thread(target=write, args=(first, "a", 0.5))
        a.start()
        assert inside.wait(10)
        b = threading.Thread(target=write, args=(second, "b", 0.0))
        b.start()
        a.join(30)
        b.join(30)
        assert set(spans) == {"a", "b"}
        # b's transaction began only once a's had ended (a held the writer lock meanwhile).
        assert spans["b"][0] >= spans["a"][1]
        assert first.generation() == second.generation() == before + 2
        assert sorted(str(cs.version) for cs in second.code_systems()) == ["a", "b"]
    finally:
        first.close()
        second.close()


def test_a_reader_sees_the_old_load_or_the_new_never_part(postgres_store, postgres_url):
    store = postgres_store
    load(store, records=[ConceptRecord(f"OLD{i}", f"old {i}", None) for i in range(10)])
    big = [
        ConceptRecord(f"N{i // 100}", f"group {i}", None)
        if i % 100 == 0
        else ConceptRecord(f"N{i // 100}.{i % 100}", f"child {i}", f"N{i // 100}")
        for i in range(20_000)
    ]
    writing = threading.Event()
    done = threading.Event()
    seen: list[tuple[bool, int]] = []  # (during the write, count)

    def reader() -> None:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(store.schema)))
            while not done.is_set():
                during = writing.is_set()
                # One statement, one snapshot: the version's stored concepts.
                row = conn.execute(
                    "SELECT count(*) FROM concepts JOIN code_systems USING (cs) "
                    "WHERE url = %s AND retired_at IS NULL",
                    (HEADER["url"],),
                ).fetchone()
                assert row is not None
                seen.append((during, row[0]))
                # The store's own reads: every concept of the version it serves (a version
                # replaced meanwhile stays readable by its key).
                for cs in store.code_systems():
                    seen.append((during, len(list(store.concepts(cs.key)))))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        with store.writer() as writer:
            writing.set()
            writer.put_code_system(HEADER, big, "loaded", total=len(big))
            time.sleep(0.3)  # committed only after readers had a good look
        writing.clear()
        committed = len(seen)
        deadline = time.monotonic() + 10
        while len(seen) < committed + 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # let the reader look again after the commit
    finally:
        done.set()
        thread.join(30)
    assert {count for _during, count in seen} <= {10, 20_000}
    assert any(during and count == 10 for during, count in seen)
    assert seen[-1][1] == 20_000
    (stored,) = store.code_systems()
    assert len(list(store.concepts(stored.key))) == 20_000


def test_a_dropped_read_connection_is_replaced(postgres_store, postgres_url) -> None:
    store = postgres_store
    key = load(store)
    pid = store._reader().info.backend_pid
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    # The next read finds its connection dead, reconnects and answers.
    assert codes(store.subtree(key, "B")) == ["B", "B1", "B2"]
    assert store._reader().info.backend_pid != pid
    store._reader().close()
    assert store.concept(key, "D") is not None


def test_a_forked_worker_opens_its_own_connection(postgres_store) -> None:
    store = postgres_store
    key = load(store)
    pid = store._reader().info.backend_pid
    child = os.fork()
    if child == 0:  # the worker: reads on a connection of its own, then leaves without cleanup
        code = 1
        try:
            if store._reader().info.backend_pid != pid and store.concept(key, "D") is not None:
                code = 0
            store.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's connection was neither used nor closed by the worker.
    assert store._reader().info.backend_pid == pid
    assert codes(store.subtree(key, "B")) == ["B", "B1", "B2"]
