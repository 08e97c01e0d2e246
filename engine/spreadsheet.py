"""What every workbook the programme writes has in common: its content type and formula neutralising.

Used by the batch templates and error workbooks, the audit log export and the positions' workbooks.
"""
from __future__ import annotations

from typing import Any

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet would run if the cell were ever re-typed or exported as CSV (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet could take for a formula gets a leading apostrophe (the batch reader removes it
    again); anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
