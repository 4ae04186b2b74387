"""asm's annotations are its users' API: `mypy --strict` passes on the whole package, and the
package says it is typed (py.typed), so users' type checkers read them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_ships_py_typed():
    assert (ROOT / "asm" / "py.typed").is_file()


def test_mypy_strict_passes_on_asm(tmp_path):
    pytest.importorskip("mypy")
    # The settings (strict, the package, the untyped third-party modules) are pyproject.toml's.
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
