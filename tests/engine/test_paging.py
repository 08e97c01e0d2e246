"""engine.paging: the one page-number parser, bounded, and the arithmetic of a page."""
from __future__ import annotations

import pytest

from engine.paging import MAX_PAGE, Page, page_count, parse_page, parse_per_page


@pytest.mark.parametrize("raw, page", [
    ("3", 3), (" 3 ", 3), (3, 3), (str(MAX_PAGE), MAX_PAGE),
    (None, 1), ("", 1), ("x", 1), ("0", 1), ("-2", 1), ("+2", 1), ("2.5", 1), ("١", 1),
    (str(MAX_PAGE + 1), 1), ("99999999999999999999", 1), ("9" * 5000, 1), (True, 1), (-4, 1), (10**30, 1),
])
def test_a_page_is_a_number_from_1_to_max_page_or_the_default(raw, page):
    assert parse_page(raw) == page


def test_the_default_and_the_bound_can_be_given():
    assert parse_page("x", default=7) == 7 and parse_page("6", maximum=5) == 1


@pytest.mark.parametrize("raw, size", [("50", 50), ("100", 100), ("101", 100), ("99999", 100), ("0", 20),
                                       ("-1", 20), ("x", 20), (None, 20), ("9" * 40, 20)])
def test_a_page_size_is_capped(raw, size):
    assert parse_per_page(raw, 20, 100) == size


def test_page_arithmetic():
    assert page_count(0, 20) == 1 and page_count(20, 20) == 1 and page_count(21, 20) == 2
    page = Page(5, 20, 41)
    assert (page.pages, page.offset) == (3, 80)
    assert page.within() == Page(3, 20, 41) and page.within().offset == 40
    assert Page(2, 20, 41).within() == Page(2, 20, 41)
