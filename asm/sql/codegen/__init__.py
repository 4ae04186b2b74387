"""The generator of `asm.sql.typed` (run it as `python -m asm.sql.generate`).

- `sqltext.py`: what the text of a named query says about its parameters (the columns each is
  inserted into or compared with, list and JSON arguments, LIMIT/OFFSET) and its tables;
- `describe.py`: what a migrated database says: its tables' columns, each query's result
  columns (PostgreSQL: the server's describe, with parameter types; MySQL and SQLite: the
  cursor description of the query run with placeholder values in a rolled-back transaction);
- `types.py`: from those facts to Python types, per dialect;
- `render.py`: the module text (TypedDicts per row shape, a Protocol per API).
"""
