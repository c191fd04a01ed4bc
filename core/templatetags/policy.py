from django import template

from core import policy

register = template.Library()


@register.simple_tag
def can(user, action: str, target=None) -> bool:
    """``{% can user "change" object as may_edit %}``: the role policy, for templates.

    ``target`` is a record, a model, or an "app_label.Model" label.
    """
    if isinstance(target, str):
        from django.apps import apps

        target = apps.get_model(target)
    return policy.can(user, action, target)
