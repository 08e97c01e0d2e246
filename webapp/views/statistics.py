"""数据统计: the figures of the viewer's jurisdiction over a month range, as a page (SVG charts over tables),
one figure as a workbook, and the JSON twin. Reviewers and administrators only (engine.access.statistics_scope)."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPNotFound
from pyramid.view import view_config

from engine import clock
from engine.stats import svg
from engine.stats.figures import SPEC_BY_KEY, shown, yuan
from engine.stats.rollup import current
from engine.stats.period import MAX_MONTHS, Period
from engine.stats.workbook import figure_xlsx
from webapp.responses import api_error, xlsx_download
from webapp.views.api_docs import query_errors


def _stats(request, period):
    return current(request.dbsession, request.registry["catalogue"], request.account, period)


@view_config(route_name="review_statistics", renderer="review_statistics.jinja2", permission="oversee",
             request_method="GET")
def statistics_page(request):
    period, errors = Period.from_params(request.GET)
    if errors:
        request.response.status = 422
    stats = _stats(request, period)

    def export_url(key):
        return request.route_path("review_statistics_xlsx", _query={"figure": key, **period.params()})

    return {"page_title": "数据统计", "active_top": "review" if request.account.role == "reviewer" else "admin",
            "stats": stats, "period": period, "errors": errors, "max_months": MAX_MONTHS,
            "export_url": export_url, "line_chart": svg.month_lines, "bar_chart": svg.region_bars,
            "shown": shown, "yuan": yuan}


@view_config(route_name="review_statistics_xlsx", permission="oversee", request_method="GET")
def statistics_export(request):
    period, errors = Period.from_params(request.GET)
    key = request.GET.get("figure", "")
    if errors or key not in SPEC_BY_KEY:
        raise HTTPNotFound()
    stats = _stats(request, period)
    fig = stats.figure(key)
    return xlsx_download(figure_xlsx(stats, fig), f"数据统计-{fig.spec.title}-{period.first}至{period.last}.xlsx",
                         f"statistics-{key}-{period.first}-{period.last}.xlsx")


@view_config(route_name="api_review_statistics", renderer="json", permission="oversee", request_method="GET")
def api_statistics(request):
    if errors := query_errors(request, "from", "to"):
        return api_error(request, 422, "查询条件有误", errors=errors)
    period, errors = Period.from_params(request.GET)
    if errors:
        return api_error(request, 422, "查询条件有误", errors=[{"field": k, "message": v} for k, v in errors.items()])
    stats = _stats(request, period)
    return {"scope": {"code": stats.scope, "label": stats.scope_label, "breakdown": stats.breakdown},
            "from": period.first, "to": period.last, "months": period.months,
            "as_of": clock.isoformat(stats.as_of),
            "figures": [fig.as_dict() for fig in stats.figures]}
