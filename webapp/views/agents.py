"""经办人管理 (/unit/agents): who acts for the unit; its administrator invites by ID number and removes. JSON
twins under /api/unit/. Who may do what is engine.access's, through engine.accounts.agents."""
from __future__ import annotations

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from engine import access
from engine.accounts import agents
from engine.accounts.contact import AccountError
from engine.errors import EngineError
from engine.validation import FieldError
from webapp.oidc import unified
from webapp.payloads import json_object
from webapp.responses import api_error, http_refusal, refusal, status_of


def _page_data(request, values=None, errors=None) -> dict:
    account = request.account
    return {"page_title": "经办人管理", "active_top": "agents", "people": agents.people(request.dbsession, account),
            "invitations": agents.invitations(request.dbsession, account),
            "may_manage": access.may_manage_agents(account), "values": values or {"name": "", "id_number": ""},
            "errors": errors or [], "unified": unified(request).offers("unit")}


@view_config(route_name="unit_agents", renderer="unit_agents.jinja2", request_method="GET", permission="unit")
def agents_page(request):
    try:
        return _page_data(request)
    except EngineError as e:
        raise http_refusal(e) from None


@view_config(route_name="unit_agents", renderer="unit_agents.jinja2", request_method="POST", permission="unit")
def invite(request):
    values = {k: request.POST.get(k, "") for k in ("name", "id_number")}
    try:
        invitation = agents.invite(request.dbsession, request.account, values["id_number"], values["name"],
                                   request.client_address)
    except AccountError as e:
        request.response.status_int = 422
        return _page_data(request, values, e.errors)
    except EngineError as e:
        raise http_refusal(e) from None
    request.session.flash(f"已邀请{invitation.name}。请其通过政务服务网统一身份认证，以本单位经办人身份登录。", "success")
    return HTTPSeeOther(request.route_path("unit_agents"))


def _change(request, change, message):
    """A form that removes an agent or cancels an invitation: done and back to the page, or refused."""
    try:
        done = change(request.dbsession, request.account, request.matchdict["id"], request.client_address)
    except EngineError as e:
        raise http_refusal(e) from None
    request.session.flash(message(done), "success")
    return HTTPSeeOther(request.route_path("unit_agents"))


@view_config(route_name="unit_agent_remove", request_method="POST", permission="unit")
def remove(request):
    return _change(request, agents.remove_agent, lambda agent: f"已移除经办人{agent.name}，其登录已立即失效。")


@view_config(route_name="unit_invitation_cancel", request_method="POST", permission="unit")
def cancel(request):
    return _change(request, agents.cancel_invitation, lambda invitation: f"已撤销对{invitation.name}的邀请。")


# ---- JSON ----------------------------------------------------------------------------------

@view_config(route_name="api_unit_agents", renderer="json", request_method="GET", permission="unit")
def api_agents(request):
    try:
        data = _page_data(request)
    except EngineError as e:
        return refusal(request, e)
    return {"people": [p.as_json() for p in data["people"]],
            "invitations": [i.as_json() for i in data["invitations"]], "may_manage": data["may_manage"]}


@view_config(route_name="api_unit_invitations", renderer="json", request_method="POST", permission="unit")
def api_invite(request):
    body = json_object(request)
    if body is None:
        return api_error(request, 400, "请求体须为 JSON 对象，如 {\"name\": \"李红\", \"id_number\": \"…\"}")
    wrong = [k for k in ("name", "id_number") if not isinstance(body.get(k, ""), str)]
    if wrong:
        return api_error(request, 422, "name 和 id_number 须为字符串",
                         errors=[FieldError(f"/{k}", "须为字符串").as_dict() for k in wrong])
    try:
        invitation = agents.invite(request.dbsession, request.account, body.get("id_number", ""),
                                   body.get("name", ""), request.client_address)
    except AccountError as e:
        return api_error(request, 422, e.errors[0].message, errors=[x.as_dict() for x in e.errors])
    except EngineError as e:
        return refusal(request, e)
    request.response.status_int = 201
    return next(i for i in agents.invitations(request.dbsession, request.account) if i.id == invitation.id).as_json()


def _api_change(request, change):
    try:
        change(request.dbsession, request.account, request.matchdict["id"], request.client_address)
    except EngineError as e:
        return _json_refusal(request, e)
    return Response(status=204)


@view_config(route_name="api_unit_invitation", request_method="DELETE", permission="unit")
def api_cancel(request):
    return _api_change(request, agents.cancel_invitation)


@view_config(route_name="api_unit_agent", request_method="DELETE", permission="unit")
def api_remove(request):
    return _api_change(request, agents.remove_agent)


def _json_refusal(request, error):
    """A refusal where the view answers 204 otherwise (no renderer): the JSON error body made here."""
    from pyramid.renderers import render_to_response
    response = render_to_response("json", {"error": error.message}, request=request)
    response.status_int = status_of(error)
    return response
