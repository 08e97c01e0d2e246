"""View predicates: one route (/items/{key}) served by the form view or the batch view by the item's kind."""


class ItemKindPredicate:
    def __init__(self, value, config):
        self.value = value

    def text(self):
        return f"item_kind = {self.value}"

    phash = text

    def __call__(self, context, request):
        item = getattr(context, "item", None)
        return item is not None and item.kind == self.value
