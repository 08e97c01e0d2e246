"""Named rules, guards and effects that definitions refer to. Nothing is ever eval'd.

registry holds the tables and the runners; row and batch register the rules, guards the guards.
Effects are registered by the modules that own what they change (engine.cases, engine.positions.publish,
engine.batch.store); engine.loader imports those before a catalogue is checked.
"""
from engine.rules import batch, guards, row  # noqa: F401  (register on import)
from engine.rules.registry import (
    BATCH_RULES, EFFECTS, GUARDS, ROW_RULES, Registry, RuleContext, RuleSpec, TransitionContext,
    column_notes, effect, guard, row_rules_checker, run_batch_rules, run_row_rules,
)

__all__ = ["BATCH_RULES", "EFFECTS", "GUARDS", "ROW_RULES", "Registry", "RuleContext", "RuleSpec",
           "TransitionContext", "column_notes", "effect", "guard", "row_rules_checker", "run_batch_rules",
           "run_row_rules"]
