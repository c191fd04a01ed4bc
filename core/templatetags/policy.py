from django import template

from core import policy

register = template.Library()


@register.simple_tag
def can(user, action: str, target=None) -> bool:
    """``{% can user "change" object as may_edit %}``: the role policy, for templates.

    ``target`` is a record, a model, or an "app_label.Model" label.
    """
    return policy.can(user, action, target)
