"""Long polls woken by PostgreSQL's LISTEN/NOTIFY: who waits on which session (waiters.py),
and each store's listening connection (async_listener.py and its generated sync twin)."""
