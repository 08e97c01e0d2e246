"""The workflow as a picture: an SVG state diagram for the 事项目录 page, and each transition's caption."""
from __future__ import annotations

from collections import defaultdict, deque
from html import escape

from engine.regions import LEVEL_LABELS
from engine.roles import role_label
from engine.definitions.model import WorkflowDefinition



def _text_width(text: str, size: float = 13) -> float:
    return sum(size if ord(ch) > 0x2E80 else size * 0.6 for ch in text)


def transition_caption(t) -> str:
    who = "、".join(role_label(r) for r in t.roles)
    if t.reviewer_levels:
        who += "（" + "、".join(LEVEL_LABELS.get(lv, lv) for lv in t.reviewer_levels) + "）"
    extra = "，须填意见" if t.comment == "required" else ""
    return f"{t.label}：{who}{extra}"


def workflow_svg(wf: WorkflowDefinition) -> str:
    """The workflow as an SVG state diagram, laid out in columns by distance from the initial state.
    Presentation attributes only (no style attributes), so the page's CSP needs no exception."""
    names = wf.state_names
    layer: dict[str, int] = {wf.initial: 0}
    queue = deque([wf.initial])
    while queue:
        s = queue.popleft()
        for t in wf.transitions_from(s):
            if t.dest not in layer:
                layer[t.dest] = layer[s] + 1
                queue.append(t.dest)
    last = max(layer.values()) if layer else 0
    for s in names:
        layer.setdefault(s, last + 1)
    columns: dict[int, list[str]] = defaultdict(list)
    for s in names:
        columns[layer[s]].append(s)

    node_h, row_gap, margin = 44, 96, 24
    widths = {s: max(96.0, _text_width(wf.label(s), 15) + 32) for s in names}
    # Edges between the same pair of states share one arrow and one label.
    edges: dict[tuple[str, str], list] = defaultdict(list)
    for t in wf.transitions:
        for src in t.sources:
            edges[(src, t.dest)].append(t)
    captions = {k: " / ".join(dict.fromkeys(transition_caption(t) for t in ts)) for k, ts in edges.items()}
    widest_caption = max((_text_width(c, 12) for (a, b), c in captions.items() if layer[b] > layer[a]),
                         default=120.0)
    col_w = max(widths.values()) + max(160.0, min(widest_caption + 40, 320.0))
    rows = max(len(v) for v in columns.values())
    height_nodes = margin * 2 + (rows - 1) * row_gap + node_h
    pos: dict[str, tuple[float, float]] = {}
    for col, states in columns.items():
        offset = (rows - len(states)) * row_gap / 2
        for i, s in enumerate(states):
            pos[s] = (margin + col * col_w, margin + offset + i * row_gap)

    parts: list[str] = []
    back_edges = [k for k in edges if layer[k[1]] <= layer[k[0]]]
    bottom = height_nodes + 24 * (len(back_edges) + 1) + 20
    width = margin * 2 + (max(columns) * col_w) + max(widths.values())

    def box(s):
        x, y = pos[s]
        return x, y, widths[s], node_h

    for n, (a, b) in enumerate(sorted(edges, key=lambda k: (layer[k[0]], names.index(k[0]), names.index(k[1])))):
        caption = captions[(a, b)]
        ax, ay, aw, ah = box(a)
        bx, by, bw, bh = box(b)
        if layer[b] > layer[a]:
            x1, y1 = ax + aw, ay + ah / 2
            x2, y2 = bx, by + bh / 2
            path = f"M{x1:.0f},{y1:.0f} L{x2 - 4:.0f},{y2:.0f}"
            lx, ly = x1 + (x2 - x1) * 0.5, y1 + (y2 - y1) * 0.5 - 8
        else:
            k = back_edges.index((a, b)) + 1
            x1, y1 = ax + aw / 2, ay + ah
            x2, y2 = bx + bw / 2 + (8 if a != b else 24), by + bh
            depth = height_nodes - margin + 24 * k
            path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{depth:.0f} {x2:.0f},{depth:.0f} {x2:.0f},{y2 + 4:.0f}"
            lx, ly = (x1 + x2) / 2, depth - 6
        tw = _text_width(caption, 12)
        parts.append(f'<g class="edge" data-from="{escape(a)}" data-to="{escape(b)}">'
                     f'<path d="{path}" fill="none" stroke="#52606d" stroke-width="1.5" marker-end="url(#arrow)"/>'
                     f'<rect x="{lx - tw / 2 - 4:.0f}" y="{ly - 13:.0f}" width="{tw + 8:.0f}" height="18" rx="3" '
                     f'fill="#ffffff" fill-opacity="0.92"/>'
                     f'<text x="{lx:.0f}" y="{ly:.0f}" text-anchor="middle" font-size="12" fill="#1f2933">'
                     f'{escape(caption)}</text></g>')
    for s in names:
        x, y, w, h = box(s)
        st = wf.state(s)
        fill = "#fff4e0" if st.get("queue") else ("#e6f4ea" if st.get("final") else "#e8f0fa")
        stroke = "#0b4a8b"
        extra = ""
        if s == wf.initial:
            extra = (f'<circle cx="{x - 14:.0f}" cy="{y + h / 2:.0f}" r="6" fill="#0b4a8b"/>'
                     f'<path d="M{x - 8:.0f},{y + h / 2:.0f} L{x - 2:.0f},{y + h / 2:.0f}" stroke="#0b4a8b" '
                     f'stroke-width="1.5" marker-end="url(#arrow)"/>')
        border = (f'<rect x="{x + 3:.0f}" y="{y + 3:.0f}" width="{w - 6:.0f}" height="{h - 6:.0f}" rx="6" '
                  f'fill="none" stroke="{stroke}" stroke-width="1"/>') if st.get("final") else ""
        dash = ' stroke-dasharray="5 3"' if st.get("editable") else ""
        parts.append(f'<g class="state" data-state="{escape(s)}">{extra}'
                     f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h}" rx="8" fill="{fill}" '
                     f'stroke="{stroke}" stroke-width="2"{dash}/>{border}'
                     f'<text x="{x + w / 2:.0f}" y="{y + h / 2 + 5:.0f}" text-anchor="middle" font-size="15" '
                     f'font-weight="bold" fill="#083a6e">{escape(wf.label(s))}</text></g>')
    legend_y = bottom - 6
    legend = (f'<g class="legend" font-size="12" fill="#52606d">'
              f'<rect x="{margin}" y="{legend_y - 11}" width="14" height="14" fill="#fff4e0" stroke="#0b4a8b"/>'
              f'<text x="{margin + 20}" y="{legend_y}">待审核（进入审核队列）</text>'
              f'<rect x="{margin + 170}" y="{legend_y - 11}" width="14" height="14" fill="#e6f4ea" stroke="#0b4a8b"/>'
              f'<text x="{margin + 190}" y="{legend_y}">终态</text>'
              f'<rect x="{margin + 240}" y="{legend_y - 11}" width="14" height="14" fill="#e8f0fa" stroke="#0b4a8b" '
              f'stroke-dasharray="4 2"/><text x="{margin + 260}" y="{legend_y}">单位可修改</text></g>')
    title = escape(f"{wf.title}流程图")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="wf-title-{escape(wf.key)}" '
            f'width="{width:.0f}" height="{bottom + 12:.0f}" viewBox="0 0 {width:.0f} {bottom + 12:.0f}" '
            f'font-family="WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif">'
            f'<title id="wf-title-{escape(wf.key)}">{title}</title>'
            f'<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
            f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#52606d"/></marker></defs>'
            + "".join(parts) + legend + "</svg>")
