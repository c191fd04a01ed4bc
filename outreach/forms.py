"""Forms of the outreach app: every choice of a related record comes from a scoping queryset."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.attachments import AttachmentField
from core.autocomplete import LIMIT, AutocompleteSelect
from core.models import Membership, Person, StudyGroup
from outreach.models import BranchHouseholds, Column, ExchangeVisit, Need, Pairing, PartyDay, Post
from outreach.services import branches_for
from studygroups.forms.org import ScopedModelForm
from studygroups.models import Plan, PlanTopic, RequiredReading

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = forms.Textarea(attrs={"rows": 3})


class PairingForm(ScopedModelForm):
    class Meta:
        model = Pairing
        fields = ["year", "group_a", "group_b", "is_active", "extra_allowed", "notes"]
        widgets = {"notes": TEXT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        groups = StudyGroup.objects.visible_to(self.user).select_related("unit").order_by("unit__name")
        self.fields["group_a"].queryset = self.fields["group_b"].queryset = groups
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year

    def clean(self):
        data = super().clean()
        a, b = data.get("group_a"), data.get("group_b")
        if a and b and a.pk == b.pk:
            self.add_error("group_b", _("A group cannot pair with itself."))
        elif a and b and a.pk > b.pk:
            # Stored in id order (the database's rule), whichever way round they were picked.
            data["group_a"], data["group_b"] = b, a
        return data


def _members_of(group: StudyGroup | None):
    if group is None:
        return Person.objects.none()
    return Person.objects.filter(pk__in=Membership.objects.filter(study_group=group).values("person")).order_by("name")


class VisitForm(ScopedModelForm):
    host_people = forms.ModelMultipleChoiceField(
        label=_("Who took part from the host group"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guest_people = forms.ModelMultipleChoiceField(
        label=_("Who took part from the visiting group"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ExchangeVisit
        fields = [
            "pairing",
            "host_group",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "methods_seen",
            "atmosphere",
            "archives_read",
            "report_heard",
            "experience_shared",
            "takeaways",
        ]
        widgets = {
            "starts_at": DATETIME,
            "ends_at": DATETIME,
            "methods_seen": TEXT,
            "atmosphere": TEXT,
            "archives_read": TEXT,
            "report_heard": TEXT,
            "experience_shared": TEXT,
            "takeaways": TEXT,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pairing"].queryset = (
            Pairing.objects.visible_to(self.user)
            .filter(is_active=True)
            .select_related("group_a__unit", "group_b__unit")
        )
        # Either side of a pair the user sees may host (a secretary records the visit their group paid too).
        pairings = self.fields["pairing"].queryset
        self.fields["host_group"].queryset = (
            StudyGroup.objects.filter(Q(pairings_as_a__in=pairings) | Q(pairings_as_b__in=pairings))
            .distinct()
            .select_related("unit")
            .order_by("unit__name")
        )
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        # Participants come from the pair's members (the attendance screen checks the day's roster).
        pairing = self.instance.pairing if self.instance.pairing_id else None
        if self.data.get("pairing"):
            pairing = self.fields["pairing"].queryset.filter(pk=self.data.get("pairing")).first() or pairing
        if pairing:
            people = _members_of(pairing.group_a) | _members_of(pairing.group_b)
            self.fields["host_people"].queryset = self.fields["guest_people"].queryset = people.distinct()

    def clean(self):
        data = super().clean()
        pairing, host = data.get("pairing"), data.get("host_group")
        if pairing and host and host.pk not in (pairing.group_a_id, pairing.group_b_id):
            self.add_error("host_group", _("The host must be one of the pair."))
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class CancelForm(forms.Form):
    cancel_reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Cancel the visit"), css_class="btn-danger"))


class PartyDayForm(ScopedModelForm):
    attachment = AttachmentField()

    class Meta:
        model = PartyDay
        fields = [
            "branch",
            "held_on",
            "theme",
            "reading",
            "stories",
            "households_by_work_team",
            "households_by_first_secretary",
            "households_by_members",
            "notes",
        ]
        widgets = {"held_on": DATE, "stories": TEXT, "notes": TEXT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_for(self.user).order_by("name")
        self.fields["reading"].queryset = RequiredReading.objects.visible_to(self.user).order_by("-year", "order")
        if not self.instance.pk:
            self.fields["held_on"].initial = timezone.localdate()

    def clean_held_on(self):
        day = self.cleaned_data.get("held_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class HouseholdsForm(ScopedModelForm):
    class Meta:
        model = BranchHouseholds
        fields = ["branch", "year", "households"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_for(self.user).order_by("name")
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year


class NeedForm(ScopedModelForm):
    attachment = AttachmentField()

    class Meta:
        model = Need
        fields = ["branch", "party_day", "ask", "category", "place", "description", "raised_on", "due_on"]
        # A county holds thousands of party days: the field searches them instead of listing them all.
        widgets = {
            "raised_on": DATE,
            "due_on": DATE,
            "description": TEXT,
            "party_day": AutocompleteSelect("party_days"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        branches = branches_for(self.user)
        self.fields["branch"].queryset = branches.order_by("name")
        self.fields["party_day"].queryset = PartyDay.objects.editable_by(self.user).select_related("branch")
        if not self.instance.pk:
            self.fields["raised_on"].initial = timezone.localdate()
            party_day = self.initial.get("party_day")
            if party_day:
                self.fields["branch"].initial = getattr(party_day, "branch_id", None)

    def clean(self):
        data = super().clean()
        if data.get("raised_on") and data.get("due_on") and data["due_on"] < data["raised_on"]:
            self.add_error("due_on", _("The date to be done by cannot be before the need was raised."))
        if data.get("party_day") and data.get("branch") and data["party_day"].branch_id != data["branch"].pk:
            self.add_error("party_day", _("The party day is of another branch."))
        return data


def party_days_to_choose(user, q: str) -> list[tuple[int, str]]:
    """The autocomplete of a need's party day: the newest the user may edit matching ``q`` (date, branch or
    theme)."""
    rows = PartyDay.objects.editable_by(user).select_related("branch")
    if q:
        rows = rows.filter(Q(theme__icontains=q) | Q(branch__name__icontains=q) | Q(held_on__startswith=q))
    return [(day.pk, str(day)) for day in rows.order_by("-held_on", "-pk")[:LIMIT]]


class _ActionForm(forms.Form):
    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", self.submit_label))


class NeedStartForm(_ActionForm):
    submit_label = _("Start work")
    handled_by = forms.CharField(label=_("Handled by"), max_length=100)


class NeedCompleteForm(_ActionForm):
    submit_label = _("Mark done")
    done_on = forms.DateField(label=_("Done on"), widget=DATE)
    handled_by = forms.CharField(label=_("Handled by"), max_length=100, required=False)
    result = forms.CharField(label=_("What was done"), widget=TEXT)
    evidence = AttachmentField(label=_("Evidence (photo, PDF, Word or Excel)"))

    def clean_done_on(self):
        day = self.cleaned_data.get("done_on")
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day


class NeedCloseForm(_ActionForm):
    submit_label = _("Close")
    close_reason = forms.CharField(label=_("Reason for closing"), max_length=200)


class ColumnForm(ScopedModelForm):
    class Meta:
        model = Column
        fields = ["unit", "name", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from core.models import OrgUnit

        self.fields["unit"].queryset = OrgUnit.objects.visible_to(self.user).filter(
            kind__in=[OrgUnit.Kind.COUNTY, OrgUnit.Kind.REGION]
        )


class PostForm(ScopedModelForm):
    class Meta:
        model = Post
        fields = ["column", "title", "published_on", "body", "link", "tags", "required", "readings", "topics"]
        widgets = {"published_on": DATE, "body": forms.Textarea(attrs={"rows": 10})}
        help_texts = {"body": _("Rich text (HTML); scripts, styles and event handlers are removed when saved.")}
        field_classes = {"link": lambda **kw: forms.URLField(assume_scheme="https", **kw)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column"].queryset = Column.objects.editable_by(self.user)
        # A post serves this or last year's readings and the county's or the region's plan topics; the
        # groups' own plans would put tens of thousands of options on the form. What the post already
        # serves stays choosable.
        since = timezone.localdate().year - 1
        readings = RequiredReading.objects.visible_to(self.user)
        topics = PlanTopic.objects.visible_to(self.user)
        current_readings = current_topics = Q(pk__in=[])
        if self.instance.pk:
            current_readings = Q(pk__in=self.instance.readings.values("pk"))
            current_topics = Q(pk__in=self.instance.topics.values("pk"))
        self.fields["readings"].queryset = readings.filter(Q(year__gte=since) | current_readings)
        self.fields["topics"].queryset = topics.filter(
            Q(plan__year__gte=since, plan__level__in=[Plan.Level.ARRANGEMENT, Plan.Level.COUNTY]) | current_topics
        ).select_related("plan")
        if not self.instance.pk:
            self.fields["published_on"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("link"):
            raise forms.ValidationError(_("Give the text or a link."))
        return data
