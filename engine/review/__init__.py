"""The reviewer's side, one job per module: filters (the queue's filters as typed), statements (its cached
SQL), queue (a page of it with counts), display (one case as the reviewer reads it), claims, actions
(firing a trigger on one case), bulk (one trigger on many), page (all a case's page shows) and missing (the
缺报名单: units of the jurisdiction that owe a monthly report, a page and its workbook).

Everything is driven by the workflow definitions (which states form the queue, which triggers a
reviewer may fire, what each state is called) and scoped by engine.access.
"""
# The modules, so `from engine import review` reads `review.<module>.<name>`; callers import names from their module.
from engine.review import actions, bulk, claims, display, filters, missing, page, queue, statements  # noqa: F401

__all__ = ["actions", "bulk", "claims", "display", "filters", "missing", "page", "queue", "statements"]
