"""Security headers on every response; request files closed; a last-resort error answer."""
from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'{forms}; frame-ancestors {frames}")

# Files are shown to reviewers inside our own pages; everything else may not be framed at all.
FRAMEABLE = {"review_file", "attachment_file"}


HSTS = "max-age=31536000"   # a year; no includeSubDomains: other services of the domain are not ours to pin


def security_headers_factory(handler, registry):
    hsts = registry.get("jianxi.hsts", False)
    from webapp.oidc import form_action_origins

    def tween(request):
        response = handler(request)
        route = getattr(request, "matched_route", None)
        frames = "'self'" if route is not None and route.name in FRAMEABLE else "'none'"
        headers = response.headers
        # 退出 is a form whose answer may redirect to the unified login's logout (webapp/oidc.py): that origin too.
        forms = "".join(f" {origin}" for origin in form_action_origins(registry))
        headers.setdefault("Content-Security-Policy", CSP.format(frames=frames, forms=forms))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN" if frames == "'self'" else "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if hsts:   # jianxi.hsts (production.ini): browsers use only HTTPS for this host from now on
            headers.setdefault("Strict-Transport-Security", HSTS)
        # Pages for a signed-in person (or one between password and code) and API answers must not be kept
        # by shared caches. The session as this request found or made it, never a new lookup here.
        auth = request.__dict__.get("auth")
        if request.path.startswith("/api/") or (auth is not None and auth.row is not None):
            headers.setdefault("Cache-Control", "no-store")
        return response
    return tween


def request_files_closed_factory(handler, registry):
    """Whichever view answered (or refused) a request, the temporary files of its body are closed."""
    from webapp.services import close_request_files

    def tween(request):
        try:
            return handler(request)
        finally:
            close_request_files(request)
    return tween


def last_resort_factory(handler, registry):
    """Errors raised while committing happen outside the exception views: still answer in Chinese."""
    import logging
    log = logging.getLogger("webapp")

    def tween(request):
        try:
            return handler(request)
        except Exception:
            log.exception("request failed outside the views: %s %s", request.method, request.path)
            from pyramid.response import Response
            import json
            if request.path.startswith("/api/"):
                body = json.dumps({"error": "系统暂时无法完成您的请求，已记录该问题，请稍后再试。"}, ensure_ascii=False)
                return Response(body, status=500, content_type="application/json", charset="utf-8")
            return Response("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>系统繁忙</title>"
                            "<p>系统暂时无法完成您的请求，已记录该问题，请稍后再试。</p></html>",
                            status=500, content_type="text/html", charset="utf-8")
    return tween
