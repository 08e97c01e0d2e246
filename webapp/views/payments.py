"""见习补贴拨付 (reviewers with 拨付权限): the claims 待拨付 of the jurisdiction, the payment workbook, marking
claims 已拨付 with the payment date and voucher; the JSON twins. Everything is engine.subsidy.payment's."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.view import view_config

from engine.errors import EngineError
from engine.subsidy import payment
from engine.validation import FieldError, ValidationFailed
from webapp.payloads import json_object
from webapp.responses import api_error, refusal, status_of, xlsx_download
from webapp.services import restart_transaction
from webapp.views.api_docs import query_errors


def _catalogue(request):
    return request.registry["catalogue"]


def render_payments(request, values=None, errors=(), selected=(), status=200):
    p = payment.payable_page(request.dbsession, _catalogue(request), request.account, request.GET.get("page"))
    response = render_to_response("review_payments.jinja2", {
        "page_title": "见习补贴拨付", "active_top": "review", "p": p, "values": values or {},
        "errors": list(errors), "selected": {str(s) for s in selected},
        "page_url": lambda n: request.route_path("review_payments", _query={"page": n} if n > 1 else {}),
    }, request=request)
    response.status_int = status
    return response


@view_config(route_name="review_payments", permission="pay", request_method="GET")
def payments_page(request):
    return render_payments(request)


@view_config(route_name="review_payments", permission="pay", request_method="POST")
def payments_mark(request):
    """登记拨付 for the ticked claims (one date and voucher for all of them)."""
    values = {"paid_on": request.POST.get("paid_on", "").strip(), "voucher": request.POST.get("voucher", "").strip()}
    selected = request.POST.getall("case")
    cases = payment.cases_by_id(request.dbsession, selected)
    try:
        done = payment.mark_paid(request.dbsession, _catalogue(request), request.account, cases, values)
    except ValidationFailed as e:
        restart_transaction(request)
        return render_payments(request, values, e.errors, selected, status=422)
    except EngineError as e:
        restart_transaction(request)
        return render_payments(request, values, [FieldError("", e.message)], selected, status=status_of(e))
    request.session.flash(f"已登记拨付{len(done)}件：{'、'.join(c.reference for c in done)}", "success")
    return HTTPSeeOther(request.route_path("review_payments"))


@view_config(route_name="review_payments_xlsx", permission="pay", request_method="GET")
@view_config(route_name="api_review_payments_xlsx", permission="pay", request_method="GET")
def payments_export(request):
    body = payment.payable_xlsx(request.dbsession, _catalogue(request), request.account)
    return xlsx_download(body, "见习补贴拨付清单.xlsx", "payments.xlsx")


# ---- JSON (documented in webapp/openapi/payments.json) ---------------------------------------------------

@view_config(route_name="api_review_payments", renderer="json", permission="pay", request_method="GET")
def api_payments(request):
    if errors := query_errors(request, "page"):
        return api_error(request, 422, "查询参数有误", errors=errors)
    return payment.payable_page(request.dbsession, _catalogue(request), request.account,
                                request.GET.get("page")).as_dict()


# The case must be one the reviewer reviews (else 404); engine.access.check_may_pay then wants 拨付权限.
@view_config(route_name="api_case_payment", renderer="json", permission="review", request_method="POST")
def api_case_payment(context, request):
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"paid_on\": \"2026-03-15\", \"voucher\": \"PZ-001\"}")
    case = context.case
    try:
        payment.mark_paid(request.dbsession, _catalogue(request), request.account, [case], body)
    except ValidationFailed as e:
        restart_transaction(request)
        return api_error(request, 422, "拨付信息有误，请修改", errors=[x.as_dict() for x in e.errors])
    except EngineError as e:
        restart_transaction(request)
        return refusal(request, e)
    claim = payment.claim_of(request.dbsession, case)
    return {"case_id": case.id, "reference": case.reference, "state": case.state,
            "payment": payment.paid_info(claim).as_dict()}
