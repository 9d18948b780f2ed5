"""The hall display board, the voice announcer and the serial counter signs."""
