"""Cutting the notice line into pages that fit (a fake width: ten pixels a character)."""

from __future__ import annotations

from display.notice_pages import clusters, pages


def width(text: str) -> float:
    return 10.0 * len(clusters(text))


def test_a_notice_that_fits_is_one_page() -> None:
    assert pages(["ปิดเที่ยง", "Closed at noon"], 400, width) == ["ปิดเที่ยง      •      Closed at noon"]
    assert pages(["", "  "], 400, width) == []


def test_each_language_starts_a_page_and_long_parts_break_at_spaces() -> None:
    got = pages(["กรุณารอ สักครู่", "Please have your ID card ready"], 160, width)
    assert got == ["กรุณารอ สักครู่", "Please have your", "ID card ready"]
    assert all(width(page) <= 160 for page in got)


def test_a_word_wider_than_the_screen_is_never_cut_inside_a_letter_and_its_marks() -> None:
    got = pages(["กรุณาเตรียมบัตรประจำตัวประชาชน"], 60, width)
    assert "".join(got) == "กรุณาเตรียมบัตรประจำตัวประชาชน"
    assert all(width(page) <= 60 for page in got)
    assert not any(page[0] in "ุูิีึืั่้๊๋์ำ" or page[-1] in "เแโใไ" for page in got)
