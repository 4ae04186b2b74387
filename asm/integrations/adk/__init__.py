"""asm as Google ADK's session service (`pip install 'asm[adk]'`).

    from asm.integrations.adk import AsmSessionService
    runner = Runner(agent=agent, app_name="app", session_service=AsmSessionService(store))

or `AsmSessionService.from_url("postgresql://...")`. For `adk web` / `adk api_server
--session_service_uri asm://postgresql://...`, register the `asm` scheme from the agents
directory's `services.py` with `register_service_uri()`, or name `asm.integrations.adk.from_uri`
as the class of scheme `asm` in its `services.yaml`.
"""

from __future__ import annotations

from typing import Any

from asm.integrations.adk._service import AsmSessionService, ListSessionsPage

__all__ = ["AsmSessionService", "ListSessionsPage", "SCHEME", "from_uri", "register_service_uri"]

SCHEME = "asm"


def from_uri(uri: str, **_adk_options: Any) -> AsmSessionService:
    """The service for `asm://<asm URL>` (e.g. asm://sqlite:///sessions.db), migrating the
    database on first use as ADK's own database service creates its tables. ADK's options
    (agents_dir, ...) are not asm's and are ignored."""
    prefix = SCHEME + "://"
    if not uri.startswith(prefix) or len(uri) == len(prefix):
        raise ValueError(f"an asm session service URI is {prefix}<asm database URL>, e.g. {prefix}sqlite:///asm.db")
    return AsmSessionService.from_url(uri.removeprefix(prefix), migrate=True)


def register_service_uri() -> None:
    """Make `--session_service_uri asm://<asm URL>` open an AsmSessionService, through ADK's
    service registry (google.adk.cli.service_registry)."""
    from google.adk.cli.service_registry import get_service_registry

    get_service_registry().register_session_service(SCHEME, from_uri)
