"""Pyramid application factory."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from pyramid.config import Configurator

from engine.accounts.login import limits as login_limits
from engine.accounts.registration import limit as registration_limit
from engine.cases.progress import limits as progress_limits
from engine.subsidy.publicity import limit as objection_limit
from engine.deadlines import warning_days
from engine.loader import DefinitionError, default_dirs, load_catalogue


def load_settings_catalogue(settings: dict):
    forms_default, workflows_default = default_dirs()
    forms_dir = Path(os.environ.get("JIANXI_FORMS_DIR") or settings.get("jianxi.forms_dir") or forms_default)
    workflows_dir = Path(os.environ.get("JIANXI_WORKFLOWS_DIR") or settings.get("jianxi.workflows_dir")
                         or workflows_default)
    return load_catalogue(forms_dir, workflows_dir)


def main(global_config, **settings):
    try:
        catalogue = load_settings_catalogue(settings)
    except DefinitionError as e:
        # A broken definition stops start-up with the same report `jianxi check` prints, not a traceback.
        print(f"事项定义有误，服务未启动：\n{e}", file=sys.stderr)
        raise SystemExit(1) from None
    return make_app(settings, catalogue)


def make_app(settings: dict, catalogue):
    from webapp.logs import install
    install()   # the server log never holds a password or a full ID number
    # Read once: a bad value stops start-up here rather than on the first queue page.
    settings["jianxi.deadline_warning_days"] = warning_days(settings.get("jianxi.deadline_warning_days"))
    settings["jianxi.progress_limits"] = progress_limits(settings)
    settings["jianxi.login_limits"] = login_limits(settings)
    settings["jianxi.registration_limit"] = registration_limit(settings)
    settings["jianxi.objection_limit"] = objection_limit(settings)
    with Configurator(settings=settings) as config:
        config.registry["catalogue"] = catalogue
        config.include("pyramid_jinja2")
        config.include(".security")   # first: a weak session secret stops start-up before anything is opened
        config.include(".clientaddr")
        config.include(".db")
        config.include(".oidc")
        config.include(".rendering")
        config.include(".routes")
        config.include(".ingress")
        config.add_view_predicate("item_kind", "webapp.predicates.ItemKindPredicate")
        config.add_tween("webapp.tweens.security_headers_factory")
        config.add_tween("webapp.tweens.request_files_closed_factory")
        config.add_tween("webapp.tweens.last_resort_factory", over="pyramid_tm.tm_tween_factory")
        config.include(".faults")
        config.scan(".views")
    return config.make_wsgi_app()
