"""Both definition folders checked in one run (every problem of every file), and the catalogue built
from them."""
from __future__ import annotations

from pathlib import Path

from engine.definitions.declared import declaration_problems
from engine.definitions.flows import Flow, check_flow, check_levels, visibility
from engine.definitions.items import check_item
from engine.definitions.model import Catalogue, ItemDefinition, SubsidyScheme, WorkflowDefinition
from engine.definitions.reading import Problem, read_folder
from engine.definitions.schemes import check_schemes, claim_problems
from engine.definitions.workflows import check_workflow


class DefinitionError(Exception):
    """Every problem found in the definition folders, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def check_definitions(forms_dir: Path, workflows_dir: Path) -> tuple[list[Problem], list[dict], list[dict]]:
    """Every problem in both folders in one run (meta-schema, each file's own checks, cross-checks, and
    whether cases can reach a reviewer), plus the raw definitions that passed."""
    return _check(forms_dir, workflows_dir)[:3]


def _check(forms_dir: Path, workflows_dir: Path) -> tuple[list[Problem], list[dict], list[dict], list[dict]]:
    """check_definitions, plus the subsidy schemes (forms/schemes/) that passed."""
    problems: list[Problem] = []
    wf_docs, workflows, present_workflows = read_folder(workflows_dir, "workflows", "workflow", problems)
    item_docs, items, present_items = read_folder(forms_dir, "forms", "item", problems)
    flows: dict[str, Flow] = {}
    for doc in wf_docs:
        own = check_workflow(doc)
        problems += own
        # The graph checks need the whole graph: a transition left out would look like a missing one.
        if not own and not doc.bad and workflows[doc.key] is doc:
            flows[doc.key] = Flow(doc.raw)
            problems += check_flow(doc.name, flows[doc.key])
    for doc in item_docs:
        problems += check_item(doc, workflows, present_workflows, items, present_items)
        flow = flows.get(doc.raw["workflow"]) if doc.sound("workflow") else None
        if flow is not None and doc.sound("roles"):
            problems += check_levels(workflows[doc.raw["workflow"]].name, flow, doc,
                                     visibility(doc, items, flows, frozenset(present_items - set(items))))
    # Declarations are read across items: only files whose meta-schema check passed take part.
    sound_items = {d.key: {**d.raw, "__source": d.name} for d in item_docs if not d.bad}
    problems += declaration_problems(sound_items, {d.key: d.raw for d in wf_docs if not d.bad})
    # Subsidy schemes read the items' reports; claim items name a scheme.
    unsound = present_items - set(sound_items)
    scheme_docs, schemes_present = check_schemes(forms_dir, sound_items, problems, unsound)
    played = {raw["role"]["as"] for raw in sound_items.values() if raw.get("role")}
    problems += claim_problems(sound_items, schemes_present, None if unsound else played)
    if not item_docs and not problems:
        problems.append(Problem(str(forms_dir), "", "没有找到任何事项定义"))
    # Grouped by file in folder order (workflows, then forms); within a file, in the order found.
    rank = {"workflows": 0, "forms": 1}
    problems = sorted(dict.fromkeys(problems), key=lambda p: (rank.get(p.file.split("/")[0], 2), p.file))
    bad = {p.file for p in problems}
    ok = lambda docs: [d.raw | {"__source": d.name} for d in docs if d.name not in bad]  # noqa: E731
    return problems, ok(item_docs), ok(wf_docs), ok(scheme_docs)


def load_catalogue(forms_dir: Path, workflows_dir: Path) -> Catalogue:
    problems, items, workflows, schemes = _check(forms_dir, workflows_dir)
    if problems:
        raise DefinitionError(problems)
    strip = lambda raw: {k: v for k, v in raw.items() if k != "__source"}  # noqa: E731
    return Catalogue([ItemDefinition(strip(r), r["__source"]) for r in items],
                     [WorkflowDefinition(strip(r), r["__source"]) for r in workflows],
                     [SubsidyScheme(strip(r), r["__source"]) for r in schemes])


def default_dirs() -> tuple[Path, Path]:
    root = Path(__file__).resolve().parents[2]
    return root / "forms", root / "workflows"
