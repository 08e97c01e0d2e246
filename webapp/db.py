"""request.dbsession: one session and one transaction per request (pyramid_tm + zope.sqlalchemy)."""
from __future__ import annotations

import zope.sqlalchemy

from engine.db import database_url, make_engine, make_session_factory, writer_engine


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
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            session.bind = writer
        return session

    config.add_request_method(dbsession, reify=True)
