"""docs/behaviour.md#errors: asm errors with stable codes, driver exceptions chained, never escaping,
and no password in any message."""

import logging
import time

import pytest

import asm
from databases import RawDatabase

SECRET = "s3cr3t-Pa55"


def unreachable_url(dialect, tmp_path):
    return {
        "postgres": f"postgresql://asm:{SECRET}@127.0.0.1:1/nowhere",
        "mysql": f"mysql://asm:{SECRET}@127.0.0.1:1/nowhere",
        "sqlite": f"sqlite:///{tmp_path}/missing-dir/x.db",
    }[dialect]


def test_an_unreachable_database_raises_a_retryable_connection_error(dialect, connect, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    started = time.monotonic()
    with pytest.raises(asm.StorageConnectionFailed) as info:
        connect(unreachable_url(dialect, tmp_path))
    # At once and with the reason, not after the pool's 30 s wait with none.
    assert time.monotonic() - started < 10
    error = info.value
    if dialect == "postgres":
        assert "refused" in str(error).lower()
    assert error.code == "storage_connection_failed" and error.retryable
    assert error.__cause__ is not None
    for text in (str(error), repr(error.details), caplog.text):
        assert SECRET not in text


def test_a_wrong_mysql_password_is_a_connection_error_without_the_password(raw, connect):
    if raw.dialect != "mysql":
        pytest.skip("PostgreSQL here trusts every password; SQLite has none")
    url = raw.url.replace("mysql://root@", f"mysql://root:{SECRET}@")
    with pytest.raises(asm.StorageConnectionFailed) as info:
        connect(url)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value.details)


def test_a_mysql_user_without_access_to_the_database_is_a_connection_error(raw, connect):
    if raw.dialect != "mysql":
        pytest.skip("MySQL grants access per database")
    raw.execute("CREATE USER IF NOT EXISTS 'asm_no_access'@'%'")
    try:
        with pytest.raises(asm.StorageConnectionFailed) as info:
            connect(raw.url.replace("mysql://root@", "mysql://asm_no_access@"))
        assert "Access denied" in str(info.value)
    finally:
        raw.execute("DROP USER IF EXISTS 'asm_no_access'@'%'")


def test_a_mysql_password_in_the_query_string_is_used_as_migrations_use_it(raw, connect):
    if raw.dialect != "mysql":
        pytest.skip("PostgreSQL here trusts every password; SQLite has none")
    database = raw.url.rsplit("/", 1)[1]
    raw.execute("CREATE USER IF NOT EXISTS 'asm_with_password'@'%' IDENTIFIED BY 'pw-in-query'")
    raw.execute(f"GRANT ALL ON {database}.* TO 'asm_with_password'@'%'")
    try:
        url = raw.url.replace("mysql://root@", "mysql://asm_with_password@")
        assert asm.migration_status(url + "?password=pw-in-query")
        store = connect(url + "?password=pw-in-query")
        assert store.get_latest_sequence("s") == 0
        with pytest.raises(asm.StorageConnectionFailed):
            connect(url)
    finally:
        raw.execute("DROP USER IF EXISTS 'asm_with_password'@'%'")


def test_a_database_without_the_schema_raises_schema_error(fresh_url, connect):
    with pytest.raises(asm.SchemaError) as info:
        connect(fresh_url)
    assert info.value.code == "schema_error"
    assert "asm migrate --database" in str(info.value)


def test_a_table_dropped_under_a_running_store_is_a_schema_error(fresh_url, dialect, connect):
    asm.migrate(fresh_url)
    db = RawDatabase(dialect, fresh_url)
    store = connect(fresh_url)
    db.execute("DROP TABLE asm_artifacts")
    db.close()
    with pytest.raises(asm.SchemaError) as info:
        store.delete_session("ses_1")
    assert not isinstance(info.value.__cause__, asm.AsmError)


def test_a_stored_row_that_no_longer_decodes_names_table_id_and_column(store, raw):
    store.save_session(asm.Session.new(id="ses_bad", agent_id="a"))
    raw.execute("UPDATE asm_sessions SET status = 'sleeping' WHERE id = 'ses_bad'")
    for call in (lambda: store.get_session("ses_bad"), lambda: store.list_sessions()):
        with pytest.raises(asm.StorageReadFailed) as info:
            call()
        assert info.value.details == {"table": "asm_sessions", "id": "ses_bad", "column": "status"}
        assert "ses_bad" in str(info.value) and "status" in str(info.value)


def test_stored_json_that_no_longer_parses_is_a_read_failure(store, raw):
    if raw.dialect != "sqlite":
        pytest.skip("PostgreSQL and MySQL refuse invalid JSON at write time")
    store.append_event(asm.Event.new(id="evt_bad", type="message_sent", session_id="s1"))
    raw.execute("UPDATE asm_events SET data = '{oops' WHERE id = 'evt_bad'")
    with pytest.raises(asm.StorageReadFailed) as info:
        store.get_events("s1")
    assert info.value.details["column"] == "data"


def test_stored_json_of_the_wrong_shape_is_a_read_failure(store, raw):
    # Rows are read without re-running the text and range checks (the column types hold
    # those), but a payload written by another writer is still checked for its shape.
    store.append_event(asm.Event.new(id="evt_list", type="message_sent", session_id="s1"))
    store.save_session(asm.Session.new(id="ses_tags", agent_id="a"))
    raw.execute("UPDATE asm_events SET data = '[1, 2]' WHERE id = 'evt_list'")
    raw.execute("UPDATE asm_sessions SET tags = '[\"ok\", 7]' WHERE id = 'ses_tags'")
    with pytest.raises(asm.StorageReadFailed) as info:
        store.get_events("s1")
    assert info.value.details == {"table": "asm_events", "id": "evt_list", "column": "data"}
    with pytest.raises(asm.StorageReadFailed) as info:
        store.get_session("ses_tags")
    assert info.value.details == {"table": "asm_sessions", "id": "ses_tags", "column": "tags"}


def test_every_error_class_has_its_stable_code():
    codes = {
        asm.ValidationError: "validation_error", asm.InvalidStatus: "invalid_status",
        asm.InvalidEventType: "invalid_event_type", asm.InvalidCursor: "invalid_cursor",
        asm.SessionNotFound: "session_not_found", asm.RunNotFound: "run_not_found",
        asm.AlreadyExists: "already_exists", asm.ConflictError: "conflict",
        asm.SchemaError: "schema_error", asm.StorageError: "storage_error",
        asm.StorageConnectionFailed: "storage_connection_failed",
        asm.StorageWriteFailed: "storage_write_failed", asm.StorageReadFailed: "storage_read_failed",
        asm.StorageTimeout: "storage_timeout",
    }
    for cls, code in codes.items():
        error = cls("m")
        assert (error.code, error.message, error.details) == (code, "m", {})
        assert isinstance(error, asm.AsmError)
    assert asm.StorageConnectionFailed("m").retryable and not asm.StorageWriteFailed("m").retryable
    assert asm.StorageTimeout("m").retryable and isinstance(asm.StorageTimeout("m"), asm.StorageError)



def test_a_validation_error_is_also_a_value_error(store):
    with pytest.raises(ValueError) as caught:
        store.get_events("s", limit=-1)
    assert isinstance(caught.value, asm.ValidationError) and caught.value.details["field"] == "limit"
