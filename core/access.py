"""View mixins that route every object a view touches through the scoping querysets."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from core import policy


class ScopedReadMixin(LoginRequiredMixin):
    """Lists and detail pages: only rows the user may see; another unit's object answers 404."""

    model = None
    select_related: tuple[str, ...] = ()

    def get_queryset(self):
        return self.model.objects.visible_to(self.request.user).select_related(*self.select_related)


def ensure_can(user, action: policy.Action, model=None) -> None:
    """403 unless the policy lets the user's role do ``action`` (to records of ``model``) at all."""
    if not policy.can(user, action, model):
        raise PermissionDenied


def ensure_can_write(user, model) -> None:
    """403 for roles that may never write this model; row-level checks then go through editable_by."""
    if not policy.can(user, policy.Action.CHANGE, model):
        raise PermissionDenied(_("Your role may not change these records."))


class ScopedWriteMixin(LoginRequiredMixin):
    """Create and update pages: read-only roles get 403; rows outside the user's scope give 404."""

    model = None
    success_message = _("Saved.")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            ensure_can_write(request.user, self.model)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return self.model.objects.editable_by(self.request.user)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def form_valid(self, form):
        if form.instance._state.adding:
            form.instance.created_by = self.request.user
        response = super().form_valid(form)
        messages.success(self.request, self.success_message)
        return response
