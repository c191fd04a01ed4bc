"""Factories for the shared cast: a region, a county with units, groups, people, and one account per role."""

import datetime

import factory

from core.models import Membership, OrgUnit, Person, Role, StudyGroup, User


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrgUnit

    kind = OrgUnit.Kind.COUNTY
    name = factory.Sequence(lambda n: f"测试单位{n}")
    party_body = OrgUnit.PartyBody.COMMITTEE


class StudyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyGroup

    unit = factory.SubFactory(OrgUnitFactory)
    name = factory.LazyAttribute(lambda o: StudyGroup.default_name(o.unit))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    unit = factory.SubFactory(OrgUnitFactory)
    name = factory.Sequence(lambda n: f"成员{n}")
    gender = Person.Gender.MALE
    title = "科员"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    study_group = factory.SubFactory(StudyGroupFactory)
    person = factory.SubFactory(PersonFactory, unit=factory.SelfAttribute("..study_group.unit"))
    role = Membership.Role.MEMBER
    start_date = datetime.date(2024, 1, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


def make_user(role: str, **scope) -> User:
    return UserFactory(username=f"{role}-{'-'.join(str(v.pk) for v in scope.values())}", role=role, **scope)


__all__ = [
    "Role",
    "OrgUnitFactory",
    "StudyGroupFactory",
    "PersonFactory",
    "MembershipFactory",
    "UserFactory",
    "make_user",
]
