"""The LangGraph savers' store logic, sans I/O (asm/core/operation.py): each function yields the named
queries of queries/<dialect>/langgraph.sql, so the sync and the async saver run the same steps.

Serialization stays with the saver's serde, passed in where a read must decode what it found (the
checkpoint body names the blob versions to fetch). Nothing here imports LangGraph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol

from asm.arguments import positive_int, text
from asm.convert.json_text import dumps
from asm.core.database import Database
from asm.core.operation import Call, JobSteps, RunOperation, Steps, job, operation, unless_one_statement
from asm.drivers.dialects import BinaryArray
from asm.errors import StorageReadFailed, ValidationError
from asm.ids import utc_now
from asm.integrations.langgraph import tails
from asm.store.chunks import insert_rows

# Column limits of migration 0006 (the same on every dialect; MySQL's keys must fit 3,072 bytes).
MAX_THREAD = 255
MAX_NS = 255
MAX_ID = 128
MAX_CHANNEL = 191
MAX_WRITE_CHANNEL = 255
MAX_VERSION = 64
TABLE = "asm_langgraph_checkpoints"
WRITES = "asm_langgraph_writes"


class Serde(Protocol):
    """What the operations need of LangGraph's SerializerProtocol."""

    def loads_typed(self, data: tuple[str, bytes]) -> Any: ...


class Blob(NamedTuple):
    channel: str
    version: str
    type: str
    payload: bytes | None


class Write(NamedTuple):
    idx: int
    channel: str
    type: str
    payload: bytes


class Loaded(NamedTuple):
    """A stored checkpoint with its blobs and pending writes decoded (the saver makes a CheckpointTuple)."""

    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    parent_checkpoint_id: str | None
    checkpoint: dict[str, Any]
    metadata: dict[str, Any]
    pending_writes: list[tuple[str, str, Any]]
    # The list channels' values with the versions of the rows each is built from (tails.py).
    lists: dict[str, tails.Seen]


def thread_key(value: Any, name: str = "thread_id") -> str:
    """LangGraph thread ids may be any str (or a UUID, an int): stored as their string."""
    return text(value if isinstance(value, str) else str(value), name, max_len=MAX_THREAD)


def namespace(value: Any) -> str:
    return text(value, "checkpoint_ns", max_len=MAX_NS, allow_empty=True)


def checkpoint_key(value: Any, name: str = "checkpoint_id") -> str:
    return text(value, name, max_len=MAX_ID)


def _json(db: Database, value: Any, name: str) -> str:
    try:
        encoded = db.dialect.encode_json(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} must be plain JSON: {exc}", details={"field": name}) from exc
    assert encoded is not None
    return encoded


# -- writes ---------------------------------------------------------------------------------------


@operation(write=True, retry=True, atomic=unless_one_statement)
def put(db: Database, thread_id: str, checkpoint_ns: str, checkpoint_id: str, parent_checkpoint_id: str | None,
        type: str, body: bytes, metadata: dict[str, Any], blobs: Sequence[Blob]) -> Steps[None]:
    """Save a checkpoint and the blobs of the channels it changed (each (channel, version) once):
    one statement on PostgreSQL, else the blobs then the checkpoint in one transaction."""
    thread_id, checkpoint_ns = thread_key(thread_id), namespace(checkpoint_ns)
    run_id = metadata.get("run_id")
    row = {
        "thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "checkpoint_id": checkpoint_key(checkpoint_id),
        "parent_checkpoint_id": None if parent_checkpoint_id is None
        else checkpoint_key(parent_checkpoint_id, "parent checkpoint_id"),
        "run_id": None if run_id is None else text(str(run_id), "metadata run_id", max_len=MAX_THREAD),
        "type": type, "checkpoint": body, "metadata": _json(db, metadata, "metadata"),
        "created_at": db.dialect.encode_ts(utc_now()),
    }
    # One lock order for writers of the same blobs (no deadlock between two writers of a thread).
    blobs = sorted(_checked_blob(b) for b in blobs)
    if db.dialect.appends_in_one_statement:
        yield Call("langgraph_put", {**row, **_blob_columns(blobs)})
        return
    if blobs:
        yield from insert_rows(db, "langgraph_insert_blobs", [
            {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "channel": b.channel, "version": b.version,
             "type": b.type, "payload": b.payload} for b in blobs])
    yield Call("langgraph_put", row)


def _checked_blob(blob: Blob) -> Blob:
    text(blob.channel, "channel", max_len=MAX_CHANNEL)
    text(blob.version, "channel version", max_len=MAX_VERSION)
    return blob


def _blob_columns(blobs: list[Blob]) -> dict[str, Any]:
    if not blobs:
        # unnest(NULL) is no rows; an empty array would have no element type to cast from.
        return {"channels": None, "versions": None, "types": None, "payloads": None}
    return {"channels": BinaryArray([b.channel for b in blobs]), "versions": BinaryArray([b.version for b in blobs]),
            "types": BinaryArray([b.type for b in blobs]), "payloads": BinaryArray([b.payload for b in blobs])}


@operation(write=True, retry=True, atomic=unless_one_statement)
def put_writes(db: Database, thread_id: str, checkpoint_ns: str, checkpoint_id: str, task_id: str,
               task_path: str, writes: Sequence[Write], replace: bool) -> Steps[None]:
    """Store a task's writes of a checkpoint, idempotent on (task, idx): kept when stored already,
    or replaced when `replace` (writes to LangGraph's special channels only)."""
    if not writes:
        return
    base = {"thread_id": thread_key(thread_id), "checkpoint_ns": namespace(checkpoint_ns),
            "checkpoint_id": checkpoint_key(checkpoint_id), "task_id": text(task_id, "task_id", max_len=MAX_ID),
            "task_path": text(task_path, "task_path", allow_empty=True)}
    for w in writes:
        text(w.channel, "channel", max_len=MAX_WRITE_CHANNEL)
    query = "langgraph_upsert_writes" if replace else "langgraph_insert_writes"
    if db.dialect.appends_in_one_statement:
        yield Call(query, {**base, "idx": BinaryArray([w.idx for w in writes]),
                           "channel": BinaryArray([w.channel for w in writes]),
                           "type": BinaryArray([w.type for w in writes]),
                           "payload": BinaryArray([w.payload for w in writes])})
        return
    yield from insert_rows(db, query, [{**base, "idx": w.idx, "channel": w.channel, "type": w.type,
                                        "payload": w.payload} for w in writes])


# -- reads ----------------------------------------------------------------------------------------


@operation()
def get_tuple(db: Database, serde: Serde, thread_id: Any, checkpoint_ns: str,
              checkpoint_id: str | None) -> Steps[Loaded | None]:
    """The checkpoint with this id, or the thread namespace's latest one; None if there is none."""
    key = {"thread_id": thread_key(thread_id), "checkpoint_ns": namespace(checkpoint_ns)}
    if checkpoint_id is None:
        row = yield Call("langgraph_get_latest_checkpoint", key)
    else:
        row = yield Call("langgraph_get_checkpoint", {**key, "checkpoint_id": checkpoint_key(checkpoint_id)})
    if row is None:
        return None
    return (yield from _load(db, serde, row))


@operation()
def list_checkpoints(db: Database, serde: Serde, thread_id: Any, checkpoint_ns: str | None,
                     checkpoint_id: str | None, filter: dict[str, Any] | None, before: str | None,
                     limit: int | None) -> Steps[list[Loaded]]:
    """Checkpoints newest first, each with its blobs and pending writes."""
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise ValidationError("limit must be an int >= 0 or None", details={"field": "limit"})
    if limit == 0:
        return []
    rows = yield Call("langgraph_list_checkpoints", {
        "thread_id": None if thread_id is None else thread_key(thread_id),
        "checkpoint_ns": None if checkpoint_ns is None else namespace(checkpoint_ns),
        "checkpoint_id": None if checkpoint_id is None else checkpoint_key(checkpoint_id),
        "filter": _json(db, filter, "filter") if filter else None,
        "before": None if before is None else checkpoint_key(before, "before checkpoint_id"),
        "limit": db.dialect.no_limit if limit is None else limit,
    })
    loaded = []
    for row in rows:
        loaded.append((yield from _load(db, serde, row)))
    return loaded


def _load(db: Database, serde: Serde, row: dict[str, Any]) -> Steps[Loaded]:
    """Steps: decode a checkpoint row, fetch the blobs its channel versions name and its writes."""
    thread_id, checkpoint_ns, checkpoint_id = row["thread_id"], row["checkpoint_ns"], row["checkpoint_id"]
    checkpoint = _body(serde, row)
    metadata = row["metadata"]
    if isinstance(metadata, (str, bytes)):
        metadata = _decoded(db.dialect.decode_json, metadata, TABLE, checkpoint_id, "metadata")
    values = dict(checkpoint.get("channel_values") or {})
    hints = checkpoint.pop(tails.HINTS, None) or {}
    key = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
    wanted = {channel: str(version) for channel, version in checkpoint.get("channel_versions", {}).items()
              if channel not in values}
    lists: dict[str, tails.Seen] = {}
    if wanted:
        stored, lists = yield from _blob_values(serde, key, wanted, hints)
        values.update(stored)
    checkpoint["channel_values"] = values
    writes = yield Call("langgraph_get_writes", {**key, "checkpoint_id": checkpoint_id})
    # LangGraph replays a step's writes in (task_path, task_id, idx) order.
    writes.sort(key=lambda w: (w["task_path"], w["task_id"], w["idx"]))
    pending = [(w["task_id"], w["channel"], _write_value(serde, w)) for w in writes]
    return Loaded(thread_id, checkpoint_ns, checkpoint_id, row["parent_checkpoint_id"], checkpoint, metadata, pending,
                  lists)


def _decoded(decode: Callable[[Any], Any], data: Any, table: str, id: str, column: str) -> Any:
    """`decode(data)`, its failure a StorageReadFailed naming the row."""
    try:
        return decode(data)
    except Exception as exc:  # a serde's error is any exception: the row is unreadable either way
        raise StorageReadFailed(f"stored {table} row {id!r} is unreadable: {exc}",
                                details={"table": table, "id": id, "column": column}) from exc


def _body(serde: Serde, row: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint row's body, as the saver's serde wrote it."""
    body: dict[str, Any] = _decoded(serde.loads_typed, (row["type"], bytes(row["checkpoint"])), TABLE,
                                    row["checkpoint_id"], "checkpoint")
    return body


def _write_value(serde: Serde, row: dict[str, Any]) -> Any:
    return _decoded(serde.loads_typed, (row["type"], bytes(row["payload"])), WRITES, row["task_id"], "payload")


def _blob_values(serde: Serde, key: dict[str, str], wanted: dict[str, str],
                 hints: dict[str, list[str]]) -> Steps[tuple[dict[str, Any], dict[str, tails.Seen]]]:
    """Steps: the values of the wanted channel versions, each list tail joined to the values it extends
    (tails.py), and the lists among them. The body's hints name those rows, so one query fetches them
    all; a row they missed costs one more."""
    fetch = [[channel, version] for channel, version in wanted.items()]
    fetch += [[channel, base] for channel, bases in hints.items() if channel in wanted for base in bases
              if base != wanted[channel]]
    rows: dict[tuple[str, str], Any] = {}
    values: dict[str, Any] = {}
    lists: dict[str, tails.Seen] = {}
    pending = dict(wanted)
    while fetch:
        found = yield Call("langgraph_get_blobs", {**key, "keys": dumps(fetch)})
        rows.update(((b["channel"], b["version"]), b) for b in found)
        absent = {(channel, version) for channel, version in fetch} - rows.keys()
        fetch = []
        for channel, version in list(pending.items()):
            built = tails.rebuild(channel, version, rows, serde.loads_typed)
            if isinstance(built, str):  # a row not fetched yet, or not stored
                if (channel, built) not in absent:
                    fetch.append([channel, built])
                    continue
                if built != version:
                    raise tails.unreadable(channel, version, f"it extends {built!r}, which is gone")
                # No row for this version: the channel has no value (as with LangGraph's own savers).
            else:
                value, chain = built
                if value is not None:
                    values[channel] = value
                if isinstance(value, list):
                    lists[channel] = tails.Seen(version, tuple(value), chain)
            del pending[channel]
    return values, lists


# -- DeltaChannel history -------------------------------------------------------------------------

ANCESTOR_PAGE = 200  # ancestors read per query while walking a parent chain


class History(NamedTuple):
    """One channel's `get_delta_channel_history` entry: its writes oldest first, and the value of the
    nearest ancestor holding one (`has_seed` False when the walk reached the root without one)."""

    writes: list[tuple[str, str, Any]]
    has_seed: bool
    seed: Any


@operation()
def delta_channel_history(db: Database, serde: Serde, thread_id: Any, checkpoint_ns: str, checkpoint_id: str | None,
                          channels: Sequence[str]) -> Steps[dict[str, History]]:
    """LangGraph's get_delta_channel_history in a few queries (its default walk loads each ancestor
    whole): for each channel, the writes stored at the ancestors of a checkpoint (the parent chain,
    not the checkpoint itself), oldest first, back to the nearest ancestor holding a value of the
    channel (its seed, whose own writes count too)."""
    key = {"thread_id": thread_key(thread_id), "checkpoint_ns": namespace(checkpoint_ns)}
    wanted = list(dict.fromkeys(channels))
    if not wanted:
        return {}
    if checkpoint_id is None:
        row = yield Call("langgraph_get_latest_checkpoint", key)
    else:
        row = yield Call("langgraph_get_checkpoint", {**key, "checkpoint_id": checkpoint_key(checkpoint_id)})
    chain: list[str] = []  # the ancestors walked, nearest first
    seeds: dict[str, tuple[int, Any]] = {}  # channel -> (index in chain, value)
    parent = None if row is None else row["parent_checkpoint_id"]
    before = None if row is None else row["checkpoint_id"]
    while parent is not None and len(seeds) < len(wanted):
        page = yield Call("langgraph_ancestor_page", {**key, "before": before, "limit": ANCESTOR_PAGE})
        if not page:
            break
        before = page[-1]["checkpoint_id"]
        rows = {r["checkpoint_id"]: r for r in page}
        walked: list[tuple[int, dict[str, Any]]] = []
        while parent is not None and parent in rows:
            body = _body(serde, rows[parent])
            walked.append((len(chain), body))
            chain.append(parent)
            parent = rows[parent]["parent_checkpoint_id"]
        found = yield from _seeds(serde, key, walked, [c for c in wanted if c not in seeds])
        seeds.update(found)
        if parent is not None and parent >= before:
            break  # not in the page that spans its id: the parent is gone (pruned), where the walk ends
    writes = yield from _chain_writes(serde, key, chain, wanted, seeds)
    return {c: History(writes[c], c in seeds, seeds[c][1] if c in seeds else None) for c in wanted}


def _seeds(serde: Serde, key: dict[str, str], walked: list[tuple[int, dict[str, Any]]],
           channels: list[str]) -> Steps[dict[str, tuple[int, Any]]]:
    """Steps: for each channel, the nearest of the walked ancestors holding a value of it, and that value:
    a value kept in the checkpoint body, or a stored blob of the version the body names."""
    inline: dict[str, tuple[int, Any]] = {}
    candidates: dict[str, list[tuple[int, str, dict[str, list[str]]]]] = {}
    for index, body in walked:
        values = body.get("channel_values") or {}
        versions = body.get("channel_versions") or {}
        hints = body.get(tails.HINTS) or {}
        for channel in channels:
            if channel in inline:
                continue
            if channel in values:
                inline[channel] = (index, values[channel])
            elif channel in versions:
                candidates.setdefault(channel, []).append((index, str(versions[channel]), hints))
    # A DeltaChannel's value is stored only at its snapshots: most of these versions have no row.
    pairs = sorted({(c, v) for c, found in candidates.items() for _, v, _ in found})
    found = (yield Call("langgraph_get_blobs", {**key, "keys": dumps(pairs)})) if pairs else []
    rows = {(r["channel"], r["version"]): r for r in found if r["type"] != "empty" and r["payload"] is not None}
    seeds: dict[str, tuple[int, Any]] = {}
    for channel in channels:
        blob = next(((i, v, h) for i, v, h in candidates.get(channel, []) if (channel, v) in rows), None)
        held = inline.get(channel)
        if blob is not None and (held is None or blob[0] < held[0]):
            built = tails.rebuild(channel, blob[1], rows, serde.loads_typed)
            if isinstance(built, str):  # a list tail whose base was not among these rows
                values, _ = yield from _blob_values(serde, key, {channel: blob[1]}, blob[2])
                if channel in values:
                    seeds[channel] = (blob[0], values[channel])
            else:
                seeds[channel] = (blob[0], built[0])
        elif held is not None:
            seeds[channel] = held
    return seeds


def _chain_writes(serde: Serde, key: dict[str, str], chain: list[str], channels: list[str],
                  seeds: dict[str, tuple[int, Any]]) -> Steps[dict[str, list[tuple[str, str, Any]]]]:
    """Steps: each channel's writes stored at the chain's checkpoints up to its seed's, oldest first,
    each checkpoint's in LangGraph's replay order."""
    found: dict[str, list[tuple[str, str, Any]]] = {c: [] for c in channels}
    if not chain:
        return found
    rows = yield Call("langgraph_get_writes_between", {**key, "first_id": chain[-1], "last_id": chain[0]})
    depth = {checkpoint: index for index, checkpoint in enumerate(chain)}
    reach = {c: seeds[c][0] if c in seeds else len(chain) - 1 for c in channels}
    picked = [w for w in rows if w["channel"] in reach and depth.get(w["checkpoint_id"], len(chain)) <= reach[w["channel"]]]
    picked.sort(key=lambda w: (-depth[w["checkpoint_id"]], w["task_path"], w["task_id"], w["idx"]))
    for w in picked:
        found[w["channel"]].append((w["task_id"], w["channel"], _write_value(serde, w)))
    return found


# -- deletes, copies, prunes ----------------------------------------------------------------------


@operation(write=True, atomic=True)
def delete_thread(db: Database, thread_id: Any) -> Steps[None]:
    """Delete a thread's checkpoints, blobs and writes in one transaction (idempotent)."""
    yield from _delete_threads([thread_key(thread_id)])


def _delete_threads(thread_ids: list[str]) -> Steps[None]:
    for thread_id in thread_ids:
        for query in ("langgraph_delete_thread_writes", "langgraph_delete_thread_checkpoints",
                      "langgraph_delete_thread_blobs"):
            yield Call(query, {"thread_id": thread_id})


@operation(write=True, atomic=True)
def delete_threads(db: Database, thread_ids: Sequence[Any]) -> Steps[int]:
    """Delete whole threads in one transaction; returns how many were named."""
    keys = [thread_key(t) for t in _id_list(thread_ids, "thread_ids")]
    yield from _delete_threads(keys)
    return len(keys)


@operation(write=True, atomic=True)
def delete_for_runs(db: Database, run_ids: Sequence[Any]) -> Steps[None]:
    """Delete the checkpoints (and their writes) saved by these runs. Their blobs stay until the
    thread is pruned or deleted: a checkpoint of another run may share them."""
    for run_id in _id_list(run_ids, "run_ids"):
        rows = yield Call("langgraph_run_checkpoints", {"run_id": text(str(run_id), "run_id", max_len=MAX_THREAD)})
        for row in rows:
            key = {"thread_id": row["thread_id"], "checkpoint_ns": row["checkpoint_ns"],
                   "checkpoint_id": row["checkpoint_id"]}
            yield Call("langgraph_delete_checkpoint_writes", key)
            yield Call("langgraph_delete_checkpoint", key)


@operation(write=True, atomic=True)
def copy_thread(db: Database, source: Any, target: Any) -> Steps[None]:
    """Copy a thread's checkpoints, blobs and writes to another thread, in one transaction."""
    key = {"source": thread_key(source, "source_thread_id"), "target": thread_key(target, "target_thread_id")}
    yield Call("langgraph_copy_blobs", key)
    yield Call("langgraph_copy_checkpoints", {**key, "now": db.dialect.encode_ts(utc_now())})
    yield Call("langgraph_copy_writes", key)


@operation(write=True, retry=True)
def prune_thread(db: Database, serde: Serde, thread_id: str) -> Steps[None]:
    """keep_latest for one thread: keep each namespace's latest checkpoint, its writes and the
    blobs it names; delete the rest. Checkpoints saved meanwhile (newer ids) are kept."""
    key = {"thread_id": thread_key(thread_id)}
    # Blob keys first: a blob saved after this read is never deleted here.
    stored = yield Call("langgraph_thread_blob_keys", key)
    heads = yield Call("langgraph_thread_heads", key)
    kept: set[tuple[str, str, str]] = set()
    for head in heads:
        metadata = head["metadata"]
        if isinstance(metadata, (str, bytes)):
            metadata = _decoded(db.dialect.decode_json, metadata, TABLE, head["checkpoint_id"], "metadata")
        if isinstance(metadata, dict) and "counters_since_delta_snapshot" in metadata:
            raise ValidationError(f"keep_latest cannot prune thread {key['thread_id']!r}: it uses a DeltaChannel, "
                                  "whose latest value is rebuilt from older checkpoints",
                                  details={"field": "thread_ids"})
        checkpoint = _body(serde, head)
        ns = head["checkpoint_ns"]
        kept |= {(ns, channel, str(version)) for channel, version in checkpoint.get("channel_versions", {}).items()}
        where = {**key, "checkpoint_ns": ns, "checkpoint_id": head["checkpoint_id"]}
        yield Call("langgraph_delete_writes_before", where)
        yield Call("langgraph_delete_checkpoints_before", where)
        yield Call("langgraph_clear_parent", where)
    # A kept list tail keeps the values it extends (tails.py).
    bases = {(b["checkpoint_ns"], b["channel"], b["version"]): tails.base_of(b["tail_head"]) for b in stored}
    reach = list(kept)
    while reach:
        ns, channel, version = reach.pop()
        base = bases.get((ns, channel, version))
        if base is not None and (ns, channel, base) not in kept:
            kept.add((ns, channel, base))
            reach.append((ns, channel, base))
    garbage = [{**key, "checkpoint_ns": b["checkpoint_ns"], "channel": b["channel"], "version": b["version"]}
               for b in stored if (b["checkpoint_ns"], b["channel"], b["version"]) not in kept]
    if garbage:
        yield Call("langgraph_delete_blob", garbage)


@job
def prune(db: Database, serde: Serde, thread_ids: Sequence[Any], strategy: str = "keep_latest") -> JobSteps[None]:
    """LangGraph's prune: "delete" removes the threads whole (one transaction); "keep_latest" prunes
    each thread in a transaction of its own."""
    if strategy not in ("keep_latest", "delete"):
        raise ValidationError(f"unknown prune strategy {strategy!r}: 'keep_latest' or 'delete'",
                              details={"field": "strategy"})
    keys = [thread_key(t) for t in _id_list(thread_ids, "thread_ids")]
    if not keys:
        return
    if strategy == "delete":
        yield RunOperation(delete_threads, (keys,))
        return
    for thread_id in keys:
        yield RunOperation(prune_thread, (serde, thread_id))


# -- time-based retention -------------------------------------------------------------------------


@operation()
def expired_threads(db: Database, created_before: datetime, limit: int) -> Steps[list[str]]:
    """Up to `limit` threads whose latest checkpoint was saved before `created_before`."""
    rows = yield Call("langgraph_expired_threads", {"created_before": db.dialect.encode_ts(created_before),
                                                    "limit": limit})
    return [row["thread_id"] for row in rows]


@job
def delete_expired_threads(db: Database, older_than_days: int, batch_size: int = 1000) -> JobSteps[int]:
    """Delete every thread whose latest checkpoint is older than `older_than_days`, `batch_size`
    threads per transaction; returns how many. Run it again after a crash to finish."""
    days = positive_int(older_than_days, "older_than_days")
    batch = positive_int(batch_size, "batch_size")
    cutoff = utc_now() - timedelta(days=days)
    deleted = 0
    while True:
        ids = yield RunOperation(expired_threads, (cutoff, batch))
        if ids:
            deleted += yield RunOperation(delete_threads, (ids,))
        if len(ids) < batch:
            return deleted


def _id_list(values: Any, name: str) -> list[Any]:
    if isinstance(values, (str, bytes)):
        raise ValidationError(f"{name} must be a list of ids, not one string", details={"field": name})
    try:
        return list(values)
    except TypeError:
        raise ValidationError(f"{name} must be a list of ids", details={"field": name}) from None

