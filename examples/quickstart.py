"""Record one agent session in SQLite and print its event timeline.

    python examples/quickstart.py [DATABASE_URL]     (default: sqlite:///asm.db)
"""

import sys

import asm
from asm import Event, EventType, ExecutionResult, Run, Session


def main(url: str) -> None:
    with asm.connect(url, migrate=True) as store:
        session = Session.new(agent_id="support-bot", status="active", tags=["demo"],
                              metadata={"customer": "ana"})
        run = Run.new(session_id=session.id, status="running", provider="anthropic",
                      input={"prompt": "Where is my order 1042?"})
        store.save_session(session)
        store.save_run(run)

        def event(type: EventType, **data):
            return Event.new(type=type, session_id=session.id, run_id=run.id, data=data)

        store.append_events([
            event(EventType.RUN_STARTED),
            event(EventType.MESSAGE_RECEIVED, role="user", content="Where is my order 1042?"),
            event(EventType.TOOL_CALL_STARTED, tool="lookup_order", args={"order_id": 1042}),
            event(EventType.TOOL_CALL_COMPLETED, tool="lookup_order", result={"status": "shipped"}),
            event(EventType.MESSAGE_SENT, role="assistant", content="It shipped yesterday."),
        ])
        usage = {"input_tokens": 812, "output_tokens": 64, "total_tokens": 876}
        done = run.with_token_usage(usage).with_turn().with_output({"answer": "It shipped yesterday."})
        # Session, run and the closing events land together or not at all.
        store.flush(ExecutionResult(
            session=session.with_status("completed"), run=done,
            events=[event(EventType.TOKEN_USAGE_UPDATED, **usage), event(EventType.RUN_COMPLETED)],
        ))

        print(f"session {session.id} on {store.url}")
        for e in store.get_events(session.id):
            detail = e.data.get("content") or e.data.get("tool") or ""
            print(f"  {e.sequence_number:>3}  {e.timestamp:%H:%M:%S.%f}  {e.type:<22} {detail}")
        stored = store.get_run(run.id)
        print(f"run {stored.status}: {stored.token_usage['total_tokens']} tokens; "
              f"{len(store.list_sessions(agent_id='support-bot'))} support-bot session(s) stored")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///asm.db")
