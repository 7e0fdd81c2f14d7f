from django import template

from privacy.selectors import masked_name as _masked_name

register = template.Library()


@register.filter
def masked_name(name: str) -> str:
    """王小骑 → 王**: a rider who has not agreed to appear by name (privacy/selectors.py)."""
    return _masked_name(name or "")
