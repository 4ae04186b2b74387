"""Reading and judging the plans of asm's named queries, for `asm explain` and `python -m bench scale`.

All on a plain driver connection (psycopg, sqlite3 or PyMySQL, autocommit):

- queries.py: the named queries of a dialect, as its `queries/<dialect>/*.sql` files have them;
- parameters.py: logical values as the drivers take them; statements.py: running statements;
- samples.py: values read from the database (the busiest recent session, its middle, the rarest
  values among the latest rows); cases.py: a case of a query, keyed or analytics; catalog.py:
  the cases of every query, built from the samples;
- explain.py: the plan of one query, read by postgres.py, mysql.py or sqlite.py into accesses
  per table, sorts and rows read (verdicts.py);
- plans.py: every name of the module these came from, for the code that still imports it.
"""
