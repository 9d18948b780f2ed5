"""Example files shipped with swq (`swq office example` prints the office file)."""
