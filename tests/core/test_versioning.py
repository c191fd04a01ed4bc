"""Locked once used (core.versioning): a template referenced by something cannot change; a new version can."""

from decimal import Decimal

import pytest

from core.versioning import TemplateLocked, new_version
from inspections.models import Criterion
from tests.inspections.factories import make_plan, make_target, make_template, make_visit


def test_a_template_in_use_is_locked_and_a_new_version_is_free(world):
    county = world.home.county
    template = make_template(county, 2025)
    template.name = "改名"
    template.save()  # not used yet: free to edit
    criterion = template.criteria.first()
    make_visit(
        make_target(make_plan(county), world.home.dept_group), inspectors=[world.users.inspector], template=template
    )
    assert template.is_locked() and criterion.is_locked()
    template.name = "再改名"
    with pytest.raises(TemplateLocked):
        template.save()
    criterion.maximum = Decimal("50")
    with pytest.raises(TemplateLocked):
        criterion.save()
    with pytest.raises(TemplateLocked):
        Criterion.objects.create(template=template, name="新增", maximum=Decimal("5"))
    with pytest.raises(TemplateLocked):
        criterion.delete()

    copy = new_version(template, user=world.users.staff)
    assert (copy.pk != template.pk, copy.version, copy.name) == (True, 2, "改名")
    assert [c.name for c in copy.criteria.all()] == [c.name for c in template.criteria.all()]
    assert not copy.is_locked()
    edited = copy.criteria.first()
    edited.maximum = Decimal("50")
    edited.save()
    template.refresh_from_db()
    assert template.criteria.first().maximum == Decimal("10")  # the used version stays as it was
    assert new_version(template, user=world.users.staff).version == 3
