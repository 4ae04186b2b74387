"""The `asm` command line (see docs/behaviour.md#command-line); the console script runs
`asm.cli.main.main`."""

from asm.cli.main import cli, main

__all__ = ["cli", "main"]
