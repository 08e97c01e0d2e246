"""The page check every browser test can call: axe-core (bundled by axe-playwright-python) on the page as it
is now, at the viewport it is shown at, plus no sideways scrolling and numbers under their headers.

`check_page(page)` raises with every problem found; `page_problems(page)` lists them, for a test that
walks many pages and reports them all at once. No axe rule is turned off: zero violations means zero.
"""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()
# Every rule axe runs by default (WCAG 2.0-2.2 A/AA and its best practices, colour contrast included).
OPTIONS = {"resultTypes": ["violations"]}

NARROW, WIDE = 375, 1366
WIDTHS = (NARROW, WIDE)


def overflow(page) -> str | None:
    """The document must not be wider than the viewport: nothing scrolls sideways but a scroll region."""
    sizes = page.evaluate("""() => ({doc: document.documentElement.scrollWidth,
        body: document.body ? document.body.scrollWidth : 0, view: document.documentElement.clientWidth})""")
    width = max(sizes["doc"], sizes["body"])
    if width > sizes["view"]:
        wide = page.evaluate("""(view) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > view + 1 && !e.closest('.scroll-region, .diagram'))
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
            + ' right=' + Math.round(e.getBoundingClientRect().right))""", sizes["view"])
        return f"document is {width}px wide at a {sizes['view']}px viewport: {wide}"
    return None


def misaligned_numbers(page) -> list[str]:
    """A column of right-aligned numbers has its header right-aligned too (numbers under their headers)."""
    heads = page.evaluate("""() => [...document.querySelectorAll('table')].flatMap(t => {
        const heads = t.tHead && t.tHead.rows.length ? [...t.tHead.rows[0].cells] : [];
        const out = [];
        for (const body of t.tBodies) for (const row of body.rows) [...row.cells].forEach((c, i) => {
            if (heads[i] && getComputedStyle(c).textAlign === 'right' && getComputedStyle(heads[i]).textAlign !== 'right')
                out.push(heads[i].textContent.trim());
        });
        return [...new Set(out)];
    })""")
    return [f"numbers not under their header: {h}" for h in heads]


def violations(page) -> list[str]:
    found = AXE.run(page, options=OPTIONS).response["violations"]
    out = []
    for v in found:
        nodes = "; ".join(" ".join(n["target"]) + " " + n.get("failureSummary", "").replace("\n", " ")
                          for n in v["nodes"][:4])
        out.append(f"axe {v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {nodes}")
    return out


def page_problems(page) -> list[str]:
    width = page.viewport_size["width"] if page.viewport_size else "?"
    where = f"{page.url} @{width}px"
    problems = violations(page) + misaligned_numbers(page)
    wide = overflow(page)
    if wide:
        problems.append(wide)
    return [f"{where}: {p}" for p in problems]


def check_page(page) -> None:
    problems = page_problems(page)
    assert not problems, "\n".join(problems)
