"""webapp.drawing: the workflow as an SVG state diagram."""
from __future__ import annotations

import re

from engine.definitions.model import WorkflowDefinition
from webapp.drawing import workflow_svg


def test_workflow_svg_draws_every_state_and_transition_and_escapes_text(catalogue):
    svg = workflow_svg(catalogue.workflows["review"])
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert re.findall(r'data-state="(\w+)"', svg) == ["draft", "submitted", "approved", "rejected", "returned"]
    assert sorted(re.findall(r'data-from="(\w+)" data-to="(\w+)"', svg)) == [
        ("draft", "submitted"), ("returned", "submitted"), ("submitted", "approved"),
        ("submitted", "rejected"), ("submitted", "returned")]
    assert "style=" not in svg  # the page's CSP allows no inline styles
    hostile = WorkflowDefinition({
        "key": "x", "title": "<b>测试</b>", "initial": "a",
        "states": [{"name": "a", "label": "开始<script>"}, {"name": "b", "label": "结束&"}],
        "transitions": [{"trigger": "go", "source": "a", "dest": "b", "roles": ["reviewer"],
                         "reviewer_levels": ["county"], "label": "去\"吧", "comment": "required"}]})
    svg = workflow_svg(hostile)
    assert "<script>" not in svg and "开始&lt;script&gt;" in svg and "结束&amp;" in svg
    assert "去&quot;吧：审核人员（县级），须填意见" in svg
