"""`python -m queue_server.cli`: the `swq` command (used where the entry point is not on PATH)."""

from queue_server.cli import main

main()
