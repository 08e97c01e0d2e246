"""Excel batch items: the item page (模板下载 / 选择文件 / 导入 / errors), its JSON twins, rows and error workbooks."""
from __future__ import annotations

import os

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.response import Response
from pyramid.view import view_config

from engine import declarations
from engine.batch import page, records
from engine.batch.importer import ImportRefused, ImportResult, import_workbook
from engine.batch.template import unit_template
from engine.cases.detail import source_import
from engine.spreadsheet import XLSX_CONTENT_TYPE
from webapp.responses import refusal, status_of, stored_file, xlsx_download
from webapp.services import doom_on_abort_delete, storage

SHOWN_ERRORS = 200
# Multipart framing around the file; anything beyond the limit plus this is refused before parsing.
UPLOAD_SLACK = 64 * 1024


def limits(request, item) -> tuple[int, float]:
    settings = request.registry.settings
    return (declarations.max_rows(item, int(settings.get("jianxi.import_max_rows", 100_000))),
            float(settings.get("jianxi.import_max_mb", 20)))


def _batch_item(context):
    if not context.item.is_batch:
        raise HTTPNotFound()
    return context.item


def _stem(record) -> str:
    """The uploaded file's name without its extension, for the names of what is sent back."""
    return os.path.splitext(record.filename)[0] or "导入文件"


def _template(request, item) -> Response:
    max_rows, max_mb = limits(request, item)
    body = unit_template(request.dbsession, item, request.account.unit_id, max_rows=max_rows, max_mb=max_mb)
    return xlsx_download(body, f"{item.title}-模板-第{item.version}版.xlsx", f"{item.key}-template.xlsx")


def _upload(request, item) -> tuple[str, bytes]:
    max_rows, max_mb = limits(request, item)
    max_bytes = int(max_mb * 1024 * 1024)
    if request.content_length and request.content_length > max_bytes + UPLOAD_SLACK:
        raise ImportRefused(f"文件超过{max_mb:g}MB的限制，请分成多个文件分别导入", "too_large")
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file") or not upload.filename:
        raise ImportRefused("请先选择要导入的Excel文件（.xlsx）", "bad_request")
    # One byte over the limit is enough for the reader to say the file is too large.
    return upload.filename, upload.file.read(max_bytes + 1)


def run_import(request, item) -> ImportResult:
    """Shared by the page and the API: the engine does the work in this request's transaction."""
    max_rows, max_mb = limits(request, item)
    filename, data = _upload(request, item)
    store = storage(request)
    result = import_workbook(request.dbsession, request.registry["catalogue"], item, request.account, data, filename,
                             storage=store, max_rows=max_rows, max_mb=max_mb)
    for key in (result.record.storage_key, result.record.errors_key):
        if key:
            doom_on_abort_delete(request, key)
    return result


def render_page(request, item, *, status: int = 200, file_error: str | None = None,
                result: ImportResult | None = None):
    max_rows, max_mb = limits(request, item)
    shown = page.item_page(request.dbsession, request.registry["catalogue"], item, request.account,
                           imported=request.GET.get("imported"))
    errors = result.errors if result is not None else []
    response = render_to_response("batch_item.jinja2", {
        "item": item, "active_key": item.key, "active_top": "法人办事", "page_title": item.title,
        "max_rows": max_rows, "max_mb": max_mb, **shown,
        "file_error": file_error, "errors": errors[:SHOWN_ERRORS], "total_errors": len(errors),
        "bad_rows": len({e.row for e in errors}),
        "errors_url": request.route_path("import_errors", token=result.record.token) if errors else None,
    }, request=request)
    response.status_int = status
    return response


@view_config(route_name="item", item_kind="batch", request_method="GET", permission="use")
def batch_page(context, request):
    return render_page(request, context.item)


@view_config(route_name="item_import", request_method="POST", permission="use")
def batch_import(context, request):
    item = _batch_item(context)
    try:
        result = run_import(request, item)
    except ImportRefused as e:
        return render_page(request, item, status=status_of(e), file_error=e.message)
    if not result.ok:
        return render_page(request, item, status=422, result=result)
    # The item page shows the result (and where to find it) for this case: PRG without a flash that says it twice.
    return HTTPSeeOther(request.route_path("item", key=item.key, _query={"imported": result.case.id}))


@view_config(route_name="item_import", request_method="GET", permission="use")
def batch_import_get(context, request):
    # Someone reloading the address the form posted to: back to the item page.
    item = _batch_item(context)
    return HTTPSeeOther(request.route_path("item", key=item.key))


@view_config(route_name="item_template", request_method="GET", permission="use")
def template_download(context, request):
    return _template(request, _batch_item(context))


@view_config(route_name="api_item_template", request_method="GET", permission="use")
def api_template(context, request):
    return _template(request, _batch_item(context))


@view_config(route_name="api_item_imports", request_method="POST", permission="use", renderer="json")
def api_import(context, request):
    item = _batch_item(context)
    try:
        result = run_import(request, item)
    except ImportRefused as e:
        return refusal(request, e)
    if not result.ok:
        request.response.status_int = 422
        return {"error": f"共{len(result.errors)}处错误（涉及{len({e.row for e in result.errors})}行），未写入任何数据",
                "total": len(result.errors), "errors": [e.as_dict() for e in result.errors],
                "errors_url": request.route_path("import_errors", token=result.record.token)}
    case = result.case
    wf = request.registry["catalogue"].workflow_for(item)
    request.response.status_int = 201
    request.response.location = request.route_path("api_case", id=case.id)
    return {"case": {"id": case.id, "item": item.key, "reference": case.reference, "state": case.state,
                     "state_label": wf.label(case.state), "row_count": case.row_count,
                     "url": request.route_path("case_detail", id=case.id),
                     "rows_url": request.route_path("batch_rows", id=case.id)},
            "rows": result.row_count, "replaced": result.replaced}


@view_config(route_name="import_errors", request_method="GET", permission="authenticated")
def import_errors(request):
    # Only the account that imported the file may see it back; to anyone else it does not exist.
    book = records.error_workbook(request.dbsession, request.registry["catalogue"], storage(request),
                                  request.account, request.matchdict["token"])
    if book is None:
        raise HTTPNotFound()
    if book.saved_key:
        doom_on_abort_delete(request, book.saved_key)
    return xlsx_download(book.body, f"{_stem(book.record)}-错误标注.xlsx", f"{book.record.item_key}-errors.xlsx")


@view_config(route_name="batch_file", request_method="GET", permission="original")
def batch_file(context, request):
    """The workbook exactly as the unit uploaded it: for the unit and administrators (engine.access)."""
    record = source_import(request.dbsession, context.case)
    if record is None:
        raise HTTPNotFound()
    return stored_file(request, record.storage_key, XLSX_CONTENT_TYPE, _stem(record) + ".xlsx",
                       ascii_name=f"{record.item_key}-{context.case.id}.xlsx")


@view_config(route_name="batch_file_text", request_method="GET", permission="review")
def batch_file_text(context, request):
    """The reviewers' copy of the uploaded workbook: its values, every formula turned into text."""
    copy = records.source_copy(request.dbsession, storage(request), context.case)
    if copy is None:
        raise HTTPNotFound()
    return xlsx_download(copy.body, f"{_stem(copy.record)}-公式已转为文本.xlsx",
                         f"{copy.record.item_key}-{context.case.id}-text.xlsx")


@view_config(route_name="batch_rows", renderer="batch_rows.jinja2", request_method="GET", permission="view")
def batch_rows(context, request):
    case = context.case
    rows = records.rows_page(request.dbsession, request.registry["catalogue"], case, request.GET.get("page"))
    if rows is None:
        raise HTTPNotFound()
    return {"case": case, "item": rows.item, "rows": rows.rows, "total": rows.page.total, "page": rows.page.number,
            "pages": rows.page.pages, "state_label": rows.state_label, "active_top": "个人中心",
            "page_title": f"{rows.item.title} · 导入明细", "source": rows.source,
            "url_for": lambda p: request.route_path("batch_rows", id=case.id, _query={"page": p} if p > 1 else {})}
