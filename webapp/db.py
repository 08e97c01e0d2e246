"""request.dbsession: one session and one transaction per request (pyramid_tm + zope.sqlalchemy)."""
from __future__ import annotations

import zope.sqlalchemy
from pyramid.interfaces import IRoutesMapper

from engine import throttle
from engine.db import database_url, make_engine, make_session_factory, writer_engine

# Routes whose POSTs write nothing in the request's transaction: lookups whose one write, a rate-limit count,
# commits on a connection of its own (engine/throttle.py). On SQLite their transaction must not take the write
# lock up front, or that count would wait for the request that waits for it.
READ_ONLY_POSTS = ("progress", "api_progress")


def _read_only(request) -> bool:
    """Whether the request's path is one of READ_ONLY_POSTS. By the path, not request.matched_route: the
    session may be needed before routing (pyramid_tm asks for the signed-in account to annotate the
    transaction)."""
    mapper = request.registry.getUtility(IRoutesMapper)
    routes = (mapper.get_route(name) for name in READ_ONLY_POSTS)
    return any(route is not None and route.match(request.path_info) is not None for route in routes)


def get_tm_session(session_factory, transaction_manager, request=None):
    dbsession = session_factory(info={"request": request})
    zope.sqlalchemy.register(dbsession, transaction_manager=transaction_manager)
    return dbsession


def includeme(config):
    settings = config.get_settings()
    settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.include("pyramid_tm")
    # Retrying copies the body first: webapp.ingress refuses one the app could not take before that.
    settings.setdefault("retry.activate_hook", "webapp.ingress.retry_attempts")
    config.include("pyramid_retry")
    settings.setdefault("retry.attempts", 3)
    url = database_url(settings)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    config.registry["dbsession_factory"] = factory
    config.registry["db_engine"] = engine

    writer = writer_engine(engine)

    def dbsession(request):
        session = get_tm_session(factory, request.tm, request=request)
        if request.method in ("GET", "HEAD", "OPTIONS") or _read_only(request):
            session.info[throttle.READS_ONLY] = True   # its rate-limit counts commit apart, even on SQLite
        else:
            session.bind = writer
        return session

    config.add_request_method(dbsession, reify=True)
