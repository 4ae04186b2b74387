"""A Google ADK agent whose sessions live in asm: offline (a scripted model, no network) on a
SQLite file. The one line that differs from ADK's own setup is the session service.

    python examples/adk_example.py [path/to/asm.db]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path

from google.adk.agents import LlmAgent
from google.adk.models.base_llm import BaseLlm
from google.adk.models.llm_request import LlmRequest
from google.adk.models.llm_response import LlmResponse
from google.adk.runners import Runner
from google.genai import types

import asm
from asm.integrations.adk import AsmSessionService


class ScriptedModel(BaseLlm):
    """Answers with how many user turns it has seen: enough to show the history survives."""

    model: str = "scripted"

    async def generate_content_async(self, llm_request: LlmRequest,
                                     stream: bool = False) -> AsyncGenerator[LlmResponse, None]:
        turns = sum(1 for content in llm_request.contents if content.role == "user")
        yield LlmResponse(content=types.Content(role="model", parts=[types.Part(text=f"turn {turns} noted")]))


async def converse(path: Path, session_id: str | None, text: str) -> str:
    agent = LlmAgent(name="notes", model=ScriptedModel(), instruction="Take notes.", output_key="last_reply")
    # The one line: ADK's InMemorySessionService() or DatabaseSessionService(url) becomes
    service = AsmSessionService.from_url(f"sqlite:///{path}", migrate=True)
    async with service:
        runner = Runner(agent=agent, app_name="notes", session_service=service)
        if session_id is None:
            session_id = (await service.create_session(app_name="notes", user_id="ada",
                                                       state={"user:language": "en"})).id
        message = types.Content(role="user", parts=[types.Part(text=text)])
        async for event in runner.run_async(user_id="ada", session_id=session_id, new_message=message):
            if event.content and event.content.parts and event.content.parts[0].text:
                print(f"{event.author}: {event.content.parts[0].text}")
    return session_id


async def main(path: Path) -> None:
    session_id = await converse(path, None, "remember the milk")
    # A new process would do the same: the conversation is resumed from the database.
    await converse(path, session_id, "and the eggs")
    service = AsmSessionService.from_url(f"sqlite:///{path}")
    async with service:
        session = await service.get_session(app_name="notes", user_id="ada", session_id=session_id)
        assert session is not None
        print(f"resumed {session.id}: {len(session.events)} events, state {session.state}")
    # And it is an asm session like any other: its log, typed and numbered.
    store = asm.connect(f"sqlite:///{path}")
    (row,) = store.query.search_sessions(agent_id="notes/ada").sessions
    for event in store.get_events(row.id, last=4):
        print(f"  #{event.sequence_number} {event.type.value} by {event.metadata['author']}")
    store.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "asm.db"
    asyncio.run(main(target))
