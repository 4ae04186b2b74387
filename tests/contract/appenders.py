"""Worker functions for the multi-process tests (importable by spawned processes)."""

import asm


def append_many(url: str, session_ids: list[str], count: int, batch: int) -> list[tuple[str, str, int]]:
    """Append `count` events round-robin over the sessions, `batch` at a time."""
    out = []
    with asm.connect(url, max_size=2) as store:
        events = [asm.Event.new(type="message_sent", session_id=session_ids[i % len(session_ids)])
                  for i in range(count)]
        for start in range(0, count, batch):
            chunk = events[start:start + batch]
            stored = store.append_events(chunk) if batch > 1 else [store.append_event_with_sequence(chunk[0])]
            out += [(e.id, e.session_id, e.sequence_number) for e in stored]
    return out
