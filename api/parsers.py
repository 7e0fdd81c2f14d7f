"""Request body parsers for the department API."""

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Our inputs are flat objects; 32 leaves room for any future one and is far below the stack.
MAX_DEPTH = 32


def nesting_depth(value) -> int:
    """How deeply lists and objects nest in parsed JSON, walked without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in item if isinstance(child, dict | list))
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit. Python's decoder recurses once per level, so a
    body of 100,000 `[` exhausts the stack (RecursionError, a 500); a body that parses but nests
    deeper than any of our inputs (all flat objects) is refused too, before any serializer or
    error renderer walks it recursively."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = MAX_DEPTH
        message = _("The JSON nests deeper than %(limit)d levels.") % {"limit": limit}
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if nesting_depth(data) > limit:
            raise ParseError(message)
        return data
