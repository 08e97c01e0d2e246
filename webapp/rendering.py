"""Template globals and filters shared by every page."""
from __future__ import annotations

from datetime import date, datetime

from pyramid.csrf import get_csrf_token
from pyramid.events import BeforeRender

from engine import clock, masking
from engine.notices.center import unread_count
from engine.regions import load_regions
from engine.roles import acting_label, person_label, role_label


def region_label(code):
    return load_regions().label(code) if code else ""


def fmt_datetime(value, fmt=clock.DISPLAY):
    """The one way a page shows a time: stored in UTC, shown in Beijing time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return clock.format_beijing(value, fmt)
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def fmt_size(n):
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def add_globals(event: BeforeRender) -> None:
    request = event.get("request")
    if request is None or not str(event.get("renderer_name", "")).endswith(".jinja2"):
        return  # JSON answers need no menu
    account = getattr(request, "account", None)
    catalogue = request.registry["catalogue"]
    event.setdefault("account", account)
    event.setdefault("catalogue", catalogue)
    event.setdefault("csrf_token", get_csrf_token(request))
    event.setdefault("nav", navigation(request, account))
    # Not on an error page: after a failed query the session cannot answer, and the page must still be drawn.
    shown = account is not None and getattr(request, "exception", None) is None
    event.setdefault("unread_notices", unread_count(request.dbsession, account) if shown else None)


def navigation(request, account) -> dict:
    from webapp.menu import side_menu
    return {"side": side_menu(request, account),
            "services": side_menu(request, account, services=True) if account is None else None}


def includeme(config):
    from pyramid.renderers import JSON
    # Chinese messages as UTF-8 text, not \uXXXX escapes: readable in logs, curl and tests.
    config.add_renderer("json", JSON(ensure_ascii=False))
    config.add_jinja2_search_path("webapp:templates", name=".jinja2")
    config.add_subscriber(add_globals, BeforeRender)

    def setup_env():
        env = config.get_jinja2_environment()
        env.filters["region"] = region_label
        env.filters["dt"] = fmt_datetime
        env.filters["iso"] = clock.isoformat   # machine-readable, e.g. <time datetime=…>
        env.filters["size"] = fmt_size
        # Masks come from engine.masking only (docs/privacy.md); most pages get values the engine masked.
        env.filters["mask_id"] = masking.mask_id
        env.filters["mask_mobile"] = masking.mask_mobile
        # An account's login name as staff see it (an individual's is their ID number: masked).
        env.filters["login"] = lambda a: masking.shown_login(a.role, a.login_name) if a is not None else ""
        env.filters["role"] = role_label
        # A unit's person: 李红（经办人）, 王强（单位管理员）; anyone else by name (engine.roles).
        env.filters["person"] = person_label
        env.filters["acting"] = acting_label
        env.autoescape = True

    config.action(None, setup_env, order=999)


