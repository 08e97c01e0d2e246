"""Item and workflow definitions: the JSON files of forms/ and workflows/, checked and built into the
catalogue. One job per module, bottom to top:

- model: what the rest of the engine reads (Field, Transition, Condition, ItemDefinition,
  WorkflowDefinition, Catalogue);
- reading: a folder's files read as documents, each with its meta-schema report (engine/metaschema/)
  and the Problem a check reports;
- workflows: a workflow file's own checks (states, transitions, registered condition and effect names);
- flows: the graph checks that no submitted case is stranded, and the reviewer levels against who can
  see an item's cases;
- conditions: the one form of JSON Schema `if`/`then`/`else` (conditional required) the form page can show;
- declared: what items declare (publish.fields, role, batch.index, locates_unit), checked across items
  by engine.declarations;
- items: an item file's cross-checks (schema, sections, rules, its workflow, `requires`);
- loading: every check of both folders in one run, and the catalogue built from them.

engine.loader is the entry point: it registers every effect before the definitions are checked.
"""
