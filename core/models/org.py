import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models.audit import AuditedModel
from core.registry import detail_url
from core.scoping import AuditedQuerySet, Scope


class OrgUnit(AuditedModel):
    """A node of the org tree: region, county committee, unit (department or township) or branch.

    ``path`` lists the ids of the ancestors ("/3/17/"), so everything below a node is one
    ``path__startswith`` query whatever the depth.
    """

    class Kind(models.TextChoices):
        REGION = "region", _("Region")
        COUNTY = "county", _("County committee")
        DEPARTMENT = "department", _("Department")
        TOWNSHIP = "township", _("Township")
        VILLAGE = "village", _("Village branch")
        COMMUNITY = "community", _("Community branch")

    class PartyBody(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GROUP = "group", _("Party group")
        BRANCH = "branch", _("Party branch")

    # Which kinds may stand under which: a county may also be a root (one deployment, one county).
    ALLOWED_PARENTS = {
        Kind.REGION: (None,),
        Kind.COUNTY: (None, Kind.REGION),
        Kind.DEPARTMENT: (Kind.COUNTY,),
        Kind.TOWNSHIP: (Kind.COUNTY,),
        Kind.VILLAGE: (Kind.TOWNSHIP, Kind.DEPARTMENT),
        Kind.COMMUNITY: (Kind.TOWNSHIP, Kind.DEPARTMENT),
    }
    UNIT_KINDS = (Kind.DEPARTMENT, Kind.TOWNSHIP)
    BRANCH_KINDS = (Kind.VILLAGE, Kind.COMMUNITY)
    # Kinds whose party body runs a theoretical study center group.
    GROUP_KINDS = (Kind.COUNTY, Kind.DEPARTMENT, Kind.TOWNSHIP)

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(
        _("short name"),
        max_length=20,
        blank=True,
        help_text=_("Used in document numbers, e.g. the county's one-character abbreviation."),
    )
    party_body = models.CharField(_("party body"), max_length=20, choices=PartyBody.choices, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    path = models.CharField(_("tree path"), max_length=255, editable=False, default="/")

    scope = Scope(unit="", group=("study_group",), editors=("staff",))

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="orgunit_unique_name_under_parent"),
            models.UniqueConstraint(fields=["name"], condition=Q(parent__isnull=True), name="orgunit_unique_root_name"),
        ]
        # varchar_pattern_ops lets PostgreSQL use the index for LIKE 'prefix%' (ignored elsewhere).
        indexes = [models.Index(fields=["path"], name="orgunit_path_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url(self)

    @property
    def descendant_prefix(self) -> str:
        return f"{self.path}{self.pk}/"

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def clean(self):
        parent_kind = self.parent.kind if self.parent_id else None
        if self.kind and parent_kind not in self.ALLOWED_PARENTS.get(self.kind, ()):
            raise ValidationError(
                {"parent": _("A %(kind)s cannot stand under this parent.") % {"kind": self.get_kind_display()}}
            )
        if (
            self.pk
            and self.parent_id
            and (self.parent_id == self.pk or self.parent.path.startswith(self.descendant_prefix))
        ):
            raise ValidationError({"parent": _("An organization cannot stand under itself.")})

    def save(self, *args, **kwargs):
        moved = not self._state.adding and self.path != (self.parent.descendant_prefix if self.parent_id else "/")
        self.path = self.parent.descendant_prefix if self.parent_id else "/"
        super().save(*args, **kwargs)
        if moved:
            # Moved: re-save the children so their paths follow (each change audited).
            for child in self.children.all():
                child.save()


class StudyGroup(AuditedModel):
    """The theoretical study center group of one unit's party committee or party group."""

    unit = models.OneToOneField(OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="study_group")
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)

    scope = Scope(unit="unit", group=("pk",), editors=("staff",))

    class Meta:
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        ordering = ["unit__path", "unit__sort_order", "unit__name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url(self)

    def clean(self):
        if self.unit_id and self.unit.kind not in OrgUnit.GROUP_KINDS:
            raise ValidationError({"unit": _("Only a county committee, a department or a township has a study group.")})

    @staticmethod
    def default_name(unit: OrgUnit) -> str:
        body = unit.get_party_body_display() if unit.party_body else ""
        return f"{unit.name}{body}理论学习中心组"

    def memberships_on(self, day: datetime.date):
        return self.memberships.active_on(day).select_related("person").order_by("role_order", "person__name")


class Person(AuditedModel):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    unit = models.ForeignKey(OrgUnit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="people")
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    title = models.CharField(_("position title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    scope = Scope(unit="unit", group=("memberships__study_group", "unit__study_group"), person="pk")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["unit__path", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="person_unique_name_in_unit")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url(self)


class MembershipQuerySet(AuditedQuerySet):
    def active_on(self, day: datetime.date):
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


class Membership(AuditedModel):
    """A person's seat in a study group with a role, for a date range (end open while still serving)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Leader")
        DEPUTY = "deputy", _("Deputy leader")
        MEMBER = "member", _("Member")
        SECRETARY = "secretary", _("Study secretary")

    ROLE_ORDER = {Role.LEADER: 0, Role.DEPUTY: 1, Role.MEMBER: 2, Role.SECRETARY: 3}

    study_group = models.ForeignKey(
        StudyGroup, verbose_name=_("study group"), on_delete=models.PROTECT, related_name="memberships"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    role_order = models.PositiveSmallIntegerField(editable=False, default=2)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(
        _("until"), null=True, blank=True, help_text=_("Leave empty while the person still serves.")
    )

    # The roster is kept by county staff for every group and by each group's study secretary for their own
    # (add a person, end a seat with a date, change a role); editable_by keeps a secretary to their group.
    scope = Scope(unit="study_group__unit", group=("study_group",), person="person", editors=("staff", "secretary"))
    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["study_group", "role_order", "start_date"]
        constraints = [
            models.CheckConstraint(
                name="membership_end_after_start",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
            ),
            models.UniqueConstraint(fields=["study_group", "person", "start_date"], name="membership_unique_start"),
        ]
        indexes = [models.Index(fields=["study_group", "start_date", "end_date"], name="membership_dates_idx")]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()} · {self.study_group}"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
        if self.study_group_id and self.person_id and self.start_date:
            overlapping = Membership.objects.filter(
                study_group_id=self.study_group_id, person_id=self.person_id
            ).exclude(pk=self.pk)
            overlapping = overlapping.filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start_date))
            if self.end_date:
                overlapping = overlapping.filter(start_date__lte=self.end_date)
            if overlapping.exists():
                raise ValidationError(
                    _("This person already has a membership in this group for an overlapping period.")
                )

    def save(self, *args, **kwargs):
        self.role_order = self.ROLE_ORDER.get(self.role, 2)
        super().save(*args, **kwargs)
