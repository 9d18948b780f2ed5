"""`swq demo`: a whole office on one machine, for a first look."""
