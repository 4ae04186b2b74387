"""`asm export` and `asm import` stream (issue 14): stdout piped into `asm import -`, no file
left for an unknown session, and a broken document writes nothing. SQLite is enough: the
commands call the same store methods on every dialect (tests/contract/test_export.py)."""

from __future__ import annotations

import subprocess

import asm
from asm import Event, Session

from test_cli import ASM, ENV, TIMEOUT_S, assert_one_error_line


def run(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(ASM), "--database", url, *args], input=stdin, capture_output=True, text=True,
                          env=ENV, timeout=TIMEOUT_S, check=False)


def test_export_to_stdout_imports_from_stdin_and_leaves_no_file_when_it_fails(tmp_path):
    source, target = (f"sqlite:///{tmp_path / name}" for name in ("source.db", "target.db"))
    asm.migrate(source)
    asm.migrate(target)
    with asm.connect(source) as store:
        session = Session.new(agent_id="cli-stream", metadata={"ü": "✓"})
        store.save_session(session)
        store.append_events([Event.new(type="message_sent", session_id=session.id, data={"i": i})
                             for i in range(1200)])  # several pages
        expected = store.query.export_session(session.id).to_json()

    exported = run(source, "export", session.id)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == expected + "\n"
    imported = run(target, "import", "-", stdin=exported.stdout)
    assert imported.returncode == 0, imported.stderr
    assert f"imported session {session.id} (0 runs, 1200 events, 0 artifacts) from stdin" in imported.stdout
    with asm.connect(target) as store:
        assert store.query.export_session(session.id).to_json() == expected

    missing = tmp_path / "missing.json"
    assert "ses_missing" in assert_one_error_line(run(source, "export", "ses_missing", "-o", str(missing)))
    assert not missing.exists()

    written = tmp_path / "written.json"
    assert run(source, "export", session.id, "-o", str(written)).returncode == 0
    assert written.read_text(encoding="utf-8") == expected + "\n"
    broken = tmp_path / "broken.json"
    broken.write_text(expected[: len(expected) // 2], encoding="utf-8")
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    asm.migrate(fresh)
    assert "is not an asm export" in assert_one_error_line(run(fresh, "import", str(broken)))
    with asm.connect(fresh) as store:
        assert store.get_events(session.id) == []
