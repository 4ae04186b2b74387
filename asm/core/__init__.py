"""How a store call runs: the executors that perform operations on pooled connections, and
the base classes of the public API objects."""
