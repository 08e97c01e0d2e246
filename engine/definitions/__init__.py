"""Item and workflow definitions: the JSON files of forms/ and workflows/, checked and built into the
catalogue. One job per module, bottom to top (the layers contract in setup.cfg holds this order):

- model: what the rest of the engine reads (Field, Transition, Condition, ItemDefinition,
  WorkflowDefinition, Catalogue), and how it reads a transition's sources, a state's levels and a
  schema's conditions;
- reading: a folder's files read as documents, each with its meta-schema report (engine/metaschema/),
  and the Problem every check reports;
- the checks, none importing another: workflows (a workflow file's own states, transitions and
  registered condition and effect names), flows (no submitted case is stranded; reviewer levels against
  who can see an item's cases), conditions (the one form of `if`/`then`/`else` the form page can show),
  declared (publish.fields, role, batch.index and locates_unit across the items, by engine.declarations);
- items: an item file's cross-checks (schema, sections, rules, its workflow, `requires`, its conditions);
- loading: every check of both folders in one run, and the catalogue built from them.

Callers import from the module that defines a name. engine.loader is the entry point: it registers every
effect before the definitions are checked.
"""
