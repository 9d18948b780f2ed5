"""The daily close, run by `swq day close` or by the first action of a new local day."""
