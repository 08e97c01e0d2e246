"""A figure of 数据统计 as a workbook: a sheet by month and a sheet by region, the same numbers as the page's
tables (amounts in yuan, 留用率 in percent), every text through engine.spreadsheet.neutralise."""
from __future__ import annotations

import io

from engine.spreadsheet import neutralise
from engine.stats.figures import FEN, Figure, Statistics


def _cell(fig: Figure, key: str, value):
    if value is None:
        return None
    if key == "rate":
        return value
    return round(value / 100, 2) if fig.spec.kind == FEN else value


def _header(fig: Figure, first: str) -> list[str]:
    unit = "元" if fig.spec.kind == FEN else fig.spec.unit
    return [first] + [label if key == "rate" else f"{label}（{unit}）" for key, label in fig.spec.series]


def figure_xlsx(stats: Statistics, fig: Figure) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    by_month = wb.active
    by_month.title = "按月"
    by_region = wb.create_sheet("按地区")
    about = f"{fig.spec.title}：{stats.scope_label}，{stats.period.label}。{fig.spec.note}"
    for ws, first, rows in (
            (by_month, "月份", [(m, fig.by_month[m]) for m in fig.months]),
            (by_region, stats.breakdown, [(r.label, fig.by_region[r.code]) for r in fig.regions])):
        ws.append([neutralise(about)])
        ws.append(_header(fig, first))
        for c in ws[2]:
            c.font = Font(bold=True)
        for name, values in rows:
            ws.append([neutralise(name)] + [_cell(fig, k, values.get(k)) for k, _ in fig.spec.series])
        ws.append(["合计"] + [_cell(fig, k, fig.total.get(k)) for k, _ in fig.spec.series])
        ws.column_dimensions["A"].width = 18
        for col in "BCDE":
            ws.column_dimensions[col].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
