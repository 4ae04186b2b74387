"""The README's promises: its test command is what CI runs, and its example works."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    return re.findall(r"```sh\n(python3 -m venv[^\n]*)\n```", (ROOT / "README.md").read_text())


def test_ci_runs_the_readme_test_command():
    demo, tests = readme_commands()
    assert "examples/quickstart.py" in demo
    assert tests.endswith("pytest")
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_the_quickstart_example_records_and_prints_a_session(raw, tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "quickstart.py"), raw.url],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "tool_call_started" in result.stdout and "run completed: 876 tokens" in lines[-1]
    assert [line.split()[0] for line in lines[1:-1]] == [str(n) for n in range(1, 8)]
