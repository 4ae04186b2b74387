"""An OpenAI Agents SDK agent whose memory is asm: offline (a scripted model, no network).

    pip install 'asm[openai-agents]'
    python examples/openai_agents_example.py [DATABASE_URL]   (default: a SQLite file in a temp dir)

The one line that changes from the SDK's own examples is the session:
    session = SQLiteSession("user-42", "conversations.db")      # the SDK's
    session = AsmSession("user-42", store)                       # asm's
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from agents import Agent, Runner, function_tool, set_tracing_disabled
from agents.items import ModelResponse
from agents.models.interface import Model
from agents.usage import Usage
from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage, ResponseOutputText

import asm
from asm.integrations.openai_agents import AsmSession


@function_tool
def order_status(order_id: int) -> str:
    """Where an order is."""
    return f"order {order_id} shipped yesterday"


class ScriptedModel(Model):
    """Calls the tool on a question about an order, then answers from the history it is given."""

    async def get_response(self, system_instructions: Any, input: Any, *args: Any, **kwargs: Any) -> ModelResponse:
        items = [input] if isinstance(input, str) else input
        said = [i["content"] for i in items if isinstance(i, dict) and i.get("role") == "user"]
        last = items[-1]
        if isinstance(last, dict) and last.get("role") == "user" and "order" in str(last["content"]):
            call = ResponseFunctionToolCall(type="function_call", id="fc_1", call_id=f"call_{len(items)}",
                                            name="order_status", arguments='{"order_id": 1042}')
            return ModelResponse(output=[call], usage=Usage(), response_id=None)
        if isinstance(last, dict) and last.get("type") == "function_call_output":
            text = f"The tool says: {last['output']}."
        else:
            text = f"You have said {len(said)} thing(s); first: {said[0]!r}."
        message = ResponseOutputMessage(
            type="message", id=f"msg_{len(items)}", role="assistant", status="completed",
            content=[ResponseOutputText(type="output_text", text=text, annotations=[])])
        return ModelResponse(output=[message], usage=Usage(), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("this example does not stream")


async def main(url: str) -> None:
    set_tracing_disabled(True)  # no network: traces would go to OpenAI
    agent = Agent(name="support", instructions="Help with orders.", model=ScriptedModel(), tools=[order_status])
    store = await asm.connect_async(url, migrate=True)
    try:
        session = AsmSession("user-42", store)
        for prompt in ("Hi, I am Ana.", "Where is my order 1042?", "Thanks!"):
            result = await Runner.run(agent, prompt, session=session)
            print(f"> {prompt}\n{result.final_output}")
        # The history as the SDK reads it, and as asm stores it: one event per item, in order.
        print(f"{len(await session.get_items())} items; the asm log of session {session.session_id!r}:")
        for event in await store.get_events("user-42"):
            print(f"  #{event.sequence_number} {event.type.value:<20} {event.data.get('type', 'message')}")
    finally:
        await store.close()


if __name__ == "__main__":
    if len(sys.argv) > 1:
        asyncio.run(main(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as directory:
            asyncio.run(main(f"sqlite:///{Path(directory) / 'agents.db'}"))
