"""Security headers on every response."""
from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors {frames}")

# Files are shown to reviewers inside our own pages; everything else may not be framed at all.
FRAMEABLE = {"review_file", "attachment_file"}


def security_headers_factory(handler, registry):
    def tween(request):
        response = handler(request)
        route = getattr(request, "matched_route", None)
        frames = "'self'" if route is not None and route.name in FRAMEABLE else "'none'"
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP.format(frames=frames))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "SAMEORIGIN" if frames == "'self'" else "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        # Pages for a signed-in person and API answers must not be kept by shared caches.
        if request.path.startswith("/api/") or "account_id" in (request.session or {}):
            headers.setdefault("Cache-Control", "no-store")
        return response
    return tween
