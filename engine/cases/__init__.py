"""Cases, the owner's side, one job per module, bottom to top: standing (what an owner holds of an item
held once: the case in force, the case in progress), lifecycle (creating, saving, submitting and moving a
case through its workflow; starting a change; where a unit is located), summary (a case in one line),
decisions (the reviewer's return or refusal a case waits in, and what its owner may do now), then center
(个人中心: the owner's cases by state, item and month), detail (one case's page, its JSON body and its
申报成功 page) and answers (a form case before submission: each section's status for the task list, the
check-answers summary, saving one section) and
progress (办件进度查询: what a stranger holding a case's reference and its owner's code may learn of it).

Everything is driven by the item definitions and their workflows, and scoped by engine.access.
"""
# The modules, so `from engine import cases` reads `cases.<module>.<name>`; callers import names from their module.
from engine.cases import answers, center, decisions, detail, lifecycle, progress, standing, summary  # noqa: F401

__all__ = ['answers', 'center', 'decisions', 'detail', 'lifecycle', 'progress', 'standing', 'summary']
