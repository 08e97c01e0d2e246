"""A figure as server-rendered SVG: lines by month, horizontal bars by region. No JavaScript, prints as it is;
the numbers are in the table under each chart, so the chart is `role="img"` with a title saying what it shows.
Every text is escaped; the colours are app.css's calm blues and greens."""
from __future__ import annotations

from html import escape

COLOURS = ("#0b4a8b", "#1e7b34", "#8a5a00", "#6b3fa0")
INK, MUTED, LINE = "#1f2933", "#52606d", "#d3dce6"
WIDTH = 480


def _value(v) -> float:
    return float(v) if isinstance(v, (int, float)) else 0.0


def _nice(top: float) -> float:
    """A round axis maximum at or above top."""
    if top <= 0:
        return 1.0
    step = 10 ** (len(str(int(top))) - 1)
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= top:
            return m * step
    return 10 * step


def _scale(fig, key: str, v) -> float:
    return _value(v) / 100 if fig.spec.kind == "fen" and key != "rate" else _value(v)


def _legend(series, y: int) -> list[str]:
    out, x = [], 56
    for i, (_, label) in enumerate(series):
        out.append(f'<rect x="{x}" y="{y - 9}" width="12" height="12" rx="2" fill="{COLOURS[i % len(COLOURS)]}"/>'
                   f'<text x="{x + 16}" y="{y + 1}" font-size="12" fill="{INK}">{escape(label)}</text>')
        x += 28 + 13 * len(label)
    return out


def _open(title: str, height: int) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'aria-label="{escape(title)}" preserveAspectRatio="xMinYMin meet"><title>{escape(title)}</title>')


def month_lines(fig) -> str:
    """The charted series by month as lines over a zero-based axis."""
    series = fig.chart_series
    title = f"{fig.spec.title}按月趋势（{'、'.join(label for _, label in series)}），数字见下表"
    height, left, right, top, bottom = 260, 56, 16, 16, 200
    months = fig.months
    values = [[_scale(fig, k, fig.by_month[m].get(k)) for m in months] for k, _ in series]
    peak = _nice(max([v for row in values for v in row] or [0]))
    step = (WIDTH - left - right) / max(len(months) - 1, 1)
    # Counts are whole numbers: their gridlines too (0, 1, 2, not 0.5, 1.5).
    whole = all(float(v).is_integer() for row in values for v in row)
    n = next((n for n in (4, 5, 2, 1) if (peak / n).is_integer()), 4) if whole else 4
    out = [_open(title, height)]
    for i in range(n + 1):
        y = bottom - (bottom - top) * i / n
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{LINE}"/>'
                   f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="{MUTED}">'
                   f'{peak * i / n:g}</text>')
    every = max(1, (len(months) + 11) // 12)
    for j, m in enumerate(months):
        if j % every == 0 or j == len(months) - 1:
            out.append(f'<text x="{left + j * step:.1f}" y="{bottom + 16}" font-size="11" text-anchor="middle" '
                       f'fill="{MUTED}">{escape(m[2:])}</text>')
    for i, row in enumerate(values):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join(f"{left + j * step:.1f},{bottom - (bottom - top) * v / peak:.1f}" for j, v in enumerate(row))
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" '
                   f'stroke-linejoin="round"/>')
        for j, v in enumerate(row):
            out.append(f'<circle cx="{left + j * step:.1f}" cy="{bottom - (bottom - top) * v / peak:.1f}" r="3" '
                       f'fill="{colour}"/>')
    out += _legend(series, bottom + 44)
    out.append("</svg>")
    return "".join(out)


def region_bars(fig) -> str:
    """The charted series by region as horizontal bars, one group per city or county."""
    series = fig.chart_series
    title = f"{fig.spec.title}按地区对比（{'、'.join(label for _, label in series)}），数字见下表"
    left, right, bar, gap = 96, 48, 14, 10
    group = bar * len(series) + gap
    top = 8
    height = top + group * max(len(fig.regions), 1) + 36
    values = [[_scale(fig, k, fig.by_region[r.code].get(k)) for r in fig.regions] for k, _ in series]
    peak = _nice(max([v for row in values for v in row] or [0]))
    span = WIDTH - left - right
    out = [_open(title, height)]
    for g, region in enumerate(fig.regions):
        y0 = top + g * group
        out.append(f'<text x="{left - 8}" y="{y0 + bar * len(series) / 2 + 4:.1f}" font-size="12" text-anchor="end" '
                   f'fill="{INK}">{escape(region.label[:8])}</text>')
        for i, row in enumerate(values):
            w = span * row[g] / peak
            y = y0 + i * bar
            out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 2}" rx="2" '
                       f'fill="{COLOURS[i % len(COLOURS)]}"/>'
                       f'<text x="{left + w + 4:.1f}" y="{y + bar - 3}" font-size="10" fill="{MUTED}">{row[g]:g}</text>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - 36}" stroke="{LINE}"/>')
    out += _legend(series, height - 12)
    out.append("</svg>")
    return "".join(out)
