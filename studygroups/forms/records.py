"""Forms of plans, the reading list, self-study, research topics, articles and exam scores.

Every choice of a related record comes from a scoping queryset: a member can pick only themselves, so
posting a colleague's id is an invalid choice and nothing is stored.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import policy
from core.attachments import AttachmentField
from core.autocomplete import AutocompleteSelect
from core.models import OrgUnit, Person
from studygroups.forms.org import ScopedModelForm
from studygroups.models import ExamScore, Plan, PlanTopic, RequiredReading, ResearchTopic, SelfStudy, TheoryArticle
from studygroups.services.plans import plan_unit
from studygroups.services.records import group_members, record_groups, record_people, research_topic_problems

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUARTERS = [(q, _("Quarter %(n)s") % {"n": q}) for q in range(1, 5)]
MONTHS = [(m, _("Month %(n)s") % {"n": m}) for m in range(1, 13)]


def _this_year() -> int:
    return timezone.localdate().year


def _no_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(_("The date cannot be in the future."), code="future")
    return value


def _own_only(user) -> bool:
    """A member writes records for themself only (record_people), so their person is preselected."""
    return not policy.can(user, policy.Action.OTHERS_RECORDS)


class _PersonChoiceMixin:
    """Limits ``person`` to whom the user may write for, and preselects a member's own person."""

    def _limit_person(self, field_name: str = "person"):
        if not _own_only(self.user):
            # Staff reach a whole county's people: searched as they type, not loaded into the page.
            self.fields[field_name].widget = AutocompleteSelect("people")
        self.fields[field_name].queryset = record_people(self.user).select_related("unit").order_by("name")
        if _own_only(self.user) and not self.instance.pk:
            self.fields[field_name].initial = self.user.person_id
            self.fields[field_name].empty_label = None


# Plans


class PlanForm(ScopedModelForm):
    quarter = forms.TypedChoiceField(
        label=_("quarter"), choices=[("", "---------"), *QUARTERS], coerce=int, empty_value=None, required=False
    )

    class Meta:
        model = Plan
        fields = ["level", "study_group", "year", "quarter", "title", "issuer", "document_number", "issued_on", "notes"]
        widgets = {"issued_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"study_group": _("Only for a group's annual or quarterly plan.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not policy.can(self.user, policy.Action.PUBLISH, Plan):
            # Secretaries write their group's plans; the county's plans come from the propaganda department.
            self.fields["level"].choices = [c for c in Plan.Level.choices if c[0] in Plan.GROUP_LEVELS]
        self.fields["study_group"].queryset = record_groups(self.user)
        self._issued_by_county = bool(self.instance.pk) and self.instance.level not in Plan.GROUP_LEVELS
        if not self.instance.pk:
            self.fields["year"].initial = _this_year()
        if self.user.is_superuser:
            self.fields["unit"] = forms.ModelChoiceField(
                label=_("issuing county or region"),
                queryset=OrgUnit.objects.visible_to(self.user).filter(
                    kind__in=[OrgUnit.Kind.REGION, OrgUnit.Kind.COUNTY]
                ),
                required=False,
                initial=self.instance.unit_id if self.instance.pk else None,
                help_text=_("Only for a regional arrangement or a county plan."),
            )

    def clean(self):
        cleaned = super().clean()
        level, group = cleaned.get("level"), cleaned.get("study_group")
        if not level:
            return cleaned
        if level in Plan.GROUP_LEVELS:
            if group is None:
                self.add_error("study_group", ValidationError(_("Choose the group of this plan."), code="required"))
        elif group is not None:
            self.add_error(
                "study_group",
                ValidationError(_("A county plan or an arrangement belongs to no single group."), code="not_allowed"),
            )
        if level == Plan.Level.QUARTERLY:
            if not cleaned.get("quarter"):
                self.add_error("quarter", ValidationError(_("Choose the quarter."), code="required"))
        else:
            cleaned["quarter"] = None
            self.instance.quarter = None
        unit = plan_unit(user=self.user, level=level, study_group=group, unit=cleaned.get("unit"))
        if level not in Plan.GROUP_LEVELS and self._issued_by_county and not self.user.is_superuser:
            unit = self.instance.unit  # an edit keeps the issuing county

        if unit is None and not self.errors:
            raise ValidationError(_("Choose the county or region issuing this plan."), code="unit_required")
        if unit is not None:
            self.instance.unit = unit
        return cleaned


class PlanTopicForm(ScopedModelForm):
    planned_month = forms.TypedChoiceField(
        label=_("planned month"), choices=[("", "---------"), *MONTHS], coerce=int, empty_value=None, required=False
    )

    class Meta:
        model = PlanTopic
        fields = ["order", "title", "planned_month", "content", "place", "participants"]
        widgets = {"content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:
            self.instance.plan = plan
            if not self.instance.pk:
                self.fields["order"].initial = plan.topics.count() + 1


# Required reading


class RequiredReadingForm(ScopedModelForm):
    class Meta:
        model = RequiredReading
        fields = ["year", "order", "title", "author"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["year"].initial = _this_year()
        if self.user.is_superuser:
            self.fields["unit"] = forms.ModelChoiceField(
                label=_("county or region"),
                queryset=OrgUnit.objects.visible_to(self.user).filter(
                    kind__in=[OrgUnit.Kind.REGION, OrgUnit.Kind.COUNTY]
                ),
                initial=self.instance.unit_id if self.instance.pk else None,
            )

    def clean(self):
        cleaned = super().clean()
        unit = cleaned.get("unit") if self.user.is_superuser else (self.instance.unit if self.instance.pk else None)
        if unit is None and not self.user.is_superuser:
            unit = self.user.scope_unit
        if unit is None:
            return cleaned
        self.instance.unit = unit
        title, year = cleaned.get("title"), cleaned.get("year")
        if title and year:
            # The unique constraint names the unit, which is not on the form: check it here.
            clash = RequiredReading.objects.filter(unit=unit, year=year, title=title).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("title", ValidationError(_("This title is already on that year's list."), code="unique"))
        return cleaned


class ReadingMarkForm(forms.Form):
    """Mark a required reading finished (or not yet) for a person."""

    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none())
    finished = forms.BooleanField(label=_("Finished"), required=False, initial=True)
    finished_on = forms.DateField(label=_("Finished on"), required=False, widget=DATE, validators=[_no_future])
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["person"].queryset = record_people(user).order_by("name")
        if _own_only(user):
            self.fields["person"].initial = user.person_id
            self.fields["person"].empty_label = None
        else:
            # Staff reach a whole county's people: searched as they type, not every one written into the page.
            self.fields["person"].widget = AutocompleteSelect("people")
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("finished"):
            cleaned["finished_on"] = cleaned.get("finished_on") or timezone.localdate()
        else:
            cleaned["finished_on"] = None
        return cleaned


# Self-study


class SelfStudyForm(_PersonChoiceMixin, ScopedModelForm):
    class Meta:
        model = SelfStudy
        fields = ["person", "date", "material", "hours", "notes"]
        widgets = {"date": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_person()
        if not self.instance.pk:
            self.fields["date"].initial = timezone.localdate()

    def clean_date(self):
        return _no_future(self.cleaned_data.get("date"))

    def clean_hours(self):
        hours = self.cleaned_data.get("hours")
        if hours is not None and not (0 < hours <= 24):
            raise ValidationError(_("Hours must be more than 0 and at most 24."), code="hours_range")
        return hours


# Research topics


class ResearchTopicForm(ScopedModelForm):
    attachment = AttachmentField()

    class Meta:
        model = ResearchTopic
        fields = [
            "study_group",
            "title",
            "lead",
            "assigned_on",
            "due_on",
            "status",
            "report",
            "reported_on",
            "application",
            "applied_on",
        ]
        widgets = {
            "assigned_on": DATE,
            "due_on": DATE,
            "reported_on": DATE,
            "applied_on": DATE,
            "report": forms.Textarea(attrs={"rows": 4}),
            "application": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study_group"].queryset = record_groups(self.user)
        if not _own_only(self.user):
            self.fields["lead"].widget = AutocompleteSelect("people")
        self.fields["lead"].queryset = record_people(self.user).order_by("name")
        if not self.instance.pk:
            self.fields["assigned_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        group, lead = cleaned.get("study_group"), cleaned.get("lead")
        if group and lead and not group_members(group.pk).filter(person=lead).exists():
            self.add_error("lead", ValidationError(_("The lead must be a member of this group."), code="not_member"))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        for name, error in research_topic_problems(self.instance).items():
            if name not in self.errors:
                self.add_error(name, error)


# Theory articles


class TheoryArticleForm(_PersonChoiceMixin, ScopedModelForm):
    attachment = AttachmentField()

    class Meta:
        model = TheoryArticle
        fields = ["person", "kind", "title", "written_on", "published_in", "text"]
        widgets = {"written_on": DATE, "text": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_person()

    def clean_written_on(self):
        return _no_future(self.cleaned_data.get("written_on"))


# Exam scores


class ExamScoreForm(_PersonChoiceMixin, ScopedModelForm):
    class Meta:
        model = ExamScore
        fields = ["person", "year", "score", "exam_date"]
        widgets = {"exam_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_person()
        if not self.instance.pk:
            self.fields["year"].initial = _this_year()

    def clean_score(self):
        score = self.cleaned_data.get("score")
        if score is not None and not (0 <= score <= 100):
            raise ValidationError(_("The score must be between 0 and 100."), code="score_range")
        return score

    def clean_exam_date(self):
        return _no_future(self.cleaned_data.get("exam_date"))

    def clean(self):
        cleaned = super().clean()
        exam_date, year = cleaned.get("exam_date"), cleaned.get("year")
        if exam_date and year and exam_date.year != year:
            self.add_error("exam_date", ValidationError(_("The exam date is not in that year."), code="wrong_year"))
        return cleaned
