"""The `asm` command line (CONTRACT §11); the console script runs `asm.cli.main.main`."""

from asm.cli.main import cli, main

__all__ = ["cli", "main"]
