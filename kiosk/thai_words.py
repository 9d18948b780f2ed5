"""Thai word breaking for line wrapping: PyThaiNLP's `newmm` (dictionary-based maximal matching
within Thai character clusters), so lines break between words and never inside one."""

from __future__ import annotations

from functools import lru_cache

from pythainlp.tokenize import word_tokenize


@lru_cache(maxsize=4096)
def thai_words(text: str) -> tuple[str, ...]:
    """The text's words and spaces, in order; joined they give the text back."""
    return tuple(word_tokenize(text, engine="newmm", keep_whitespace=True))
