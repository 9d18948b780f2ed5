"""Line breaking with a word breaker passed in: here a fake one splitting at "|", and every
character one unit wide."""

from __future__ import annotations

from core.line_breaking import letter_breaks, with_break_marks, words, wrap


def split_at_bars(text: str) -> list[str]:
    out: list[str] = []
    for part in text.split("|"):
        out += [p for p in part.replace(" ", "| |").split("|") if p]
    return out


def wrapped(text: str, width: int) -> list[str]:
    return wrap(text.replace("|", ""), width, len, lambda t: split_at_bars(text))


def test_lines_break_between_words_and_drop_end_spaces() -> None:
    assert wrapped("aaa|bbb|ccc", 6) == ["aaabbb", "ccc"]
    assert wrapped("aaa bbb ccc", 7) == ["aaa bbb", "ccc"]
    assert wrapped("", 5) == [""]


def test_own_newlines_stay_and_a_word_too_long_is_cut_between_letters() -> None:
    assert wrap("ab\ncd", 10, len, lambda t: [t]) == ["ab", "cd"]
    assert wrap("abcdefgh", 3, len, lambda t: [t]) == ["abc", "def", "gh"]


def test_closing_punctuation_stays_with_its_word() -> None:
    assert words("(aa|bb)", split_at_bars) == ["(aa", "bb)"]
    assert words("aa|,|bb", split_at_bars) == ["aa,", "bb"]


def test_thai_marks_are_never_cut_from_their_letter() -> None:
    # ที่ = ท + ี + ่ ; เก = เ + ก: no cut inside either
    assert letter_breaks("ที่เก") == [3]


def test_break_marks_between_words_without_spaces() -> None:
    assert with_break_marks("aa|bb cc", split_at_bars, "/") == "aa/bb cc"
