"""Benchmarks of asm against the bare driver on the same database (issue 9): `python -m bench`."""
