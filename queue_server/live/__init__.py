"""The live side: the event stream hub and the board document it keeps current."""
