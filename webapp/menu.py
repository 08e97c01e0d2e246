"""The side menu: items from the catalogue plus the built-in pages listed in menu.json, by order."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path


@cache
def builtin_entries() -> list[dict]:
    return json.loads((Path(__file__).parent / "menu.json").read_text("utf-8"))


def side_menu(request, account, services: bool = False) -> list[dict]:
    """[{"path": [...], "entries": [{"title", "url", "key"}]}] for this account's role (public entries for all).

    The side menu holds only what the visitor can use now: an anonymous visitor's is the public entries. With
    `services` (the home page's list of what the hall offers) an anonymous visitor also sees every item and
    the units' pages, each of which leads to the login page."""
    role = account.role if account else None
    catalogue = request.registry["catalogue"]
    entries = []
    for item in catalogue.items.values():
        if role in item.roles or (role is None and services):
            entries.append({"path": item.menu, "order": item.order, "title": item.title, "key": item.key,
                            "url": request.route_path("item", key=item.key)})
    for e in builtin_entries():
        units_page = role is None and services and "unit" in e.get("roles", [])
        if e.get("public") or role in e.get("roles", []) or units_page:
            entries.append({"path": e["path"], "order": e["order"], "title": e["title"], "key": e["route"],
                            "url": request.route_path(e["route"])})
    groups: dict[tuple, list] = {}
    for e in sorted(entries, key=lambda e: (e["order"], e["title"])):
        groups.setdefault(tuple(e["path"]), []).append(e)
    return [{"path": list(p), "entries": es} for p, es in groups.items()]
