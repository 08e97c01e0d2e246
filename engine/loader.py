"""Loading the definition folders with every rule, guard and effect registered.

Effects are registered by the modules that own what they change; importing those here, at the top of
the engine, lets the definitions check every effect name without anything low importing upwards.
"""
from __future__ import annotations

from pathlib import Path

import engine.batch.reminders  # noqa: F401  (registers the workers' report_reminders job)
import engine.accounts.sessions  # noqa: F401  (registers the workers' session_purge job)
import engine.batch.store  # noqa: F401  (registers deactivate_rows)
import engine.cases.lifecycle  # noqa: F401  (registers assign_reference)
import engine.positions.publish  # noqa: F401  (registers publish, unpublish)
import engine.ratings.followups  # noqa: F401  (registers the workers' followup_overdue_scan job)
import engine.review.alerts  # noqa: F401  (registers the workers' deadline_scan job)
import engine.stats.rollup  # noqa: F401  (registers the workers' statistics_rollup job)
import engine.throttle  # noqa: F401  (registers the workers' rate_limits_purge job)
import engine.subsidy.claims  # noqa: F401  (registers reserve_claim_lines, release_claim_lines)
import engine.subsidy.payment  # noqa: F401  (registers lock_claim_lines)
import engine.subsidy.publicity  # noqa: F401  (registers start_publicity and the workers' publicity_end job)
from engine.definitions import loading
from engine.definitions.loading import DefinitionError, default_dirs
from engine.definitions.model import Catalogue
from engine.definitions.reading import Problem

__all__ = ["Catalogue", "DefinitionError", "Problem", "check_definitions", "default_dirs", "load_catalogue"]


def check_definitions(forms_dir: Path, workflows_dir: Path):
    return loading.check_definitions(forms_dir, workflows_dir)


def load_catalogue(forms_dir: Path, workflows_dir: Path) -> Catalogue:
    return loading.load_catalogue(forms_dir, workflows_dir)
