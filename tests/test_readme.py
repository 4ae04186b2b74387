"""The README's promises: its test command is what CI runs, and its demo and example work."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands():
    return re.findall(r"```sh\n(python3 -m venv[^\n]*)\n```", (ROOT / "README.md").read_text())


def test_ci_runs_the_readme_test_command():
    demo, tests = readme_commands()
    assert demo.endswith(".venv/bin/asm demo")
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


def test_the_readme_demo_records_and_shows_a_session_in_asm_db(tmp_path):
    # The README's first command ends with `asm demo`: the installed console script, on the
    # default database (sqlite:///asm.db in the working directory), twice.
    asm_script = Path(sys.executable).parent / "asm"
    env = {k: v for k, v in os.environ.items() if k not in ("ASM_DATABASE_URL", "DATABASE_URL")}
    for _ in range(2):
        result = subprocess.run([str(asm_script), "demo"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        assert "sqlite:///asm.db" in result.stdout
        assert "Timeline" in result.stdout and "tool_call_started" in result.stdout
        assert "Usage" in result.stdout and "4869" in result.stdout
    assert (tmp_path / "asm.db").is_file()


def test_the_demo_names_asm_as_the_user_can_run_it(tmp_path):
    # The quick start installs asm in .venv/bin, which is not on PATH: the demo's closing hint
    # must be a command that works from there, and plain `asm` where PATH finds it.
    venv_bin = Path(sys.executable).parent
    (tmp_path / ".venv").symlink_to(venv_bin.parent, target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if k not in ("ASM_DATABASE_URL", "DATABASE_URL")}
    for command, path, hint in ((".venv/bin/asm", "/usr/bin:/bin", ".venv/bin/asm sessions"),
                                ("asm", f"{venv_bin}:/usr/bin:/bin", "asm sessions")):
        result = subprocess.run([command, "demo"], cwd=tmp_path, env={**env, "PATH": path},
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, result.stderr
        said = " ".join(result.stdout.split("next:")[-1].split())
        assert said.startswith(hint), said
