#!/usr/bin/env python
"""Prepare a seeded demo database for the load test: accounts for many groups and a session held now.

The demo has one account per role; a realistic load needs many secretaries and members at once. For
``--groups`` study groups of the demo county this makes the account ``load-sec-<n>`` of the group's study
secretary and ``load-mem-<n>-<m>`` of up to ``--members`` of its members (password DEMO_PASSWORD), and a
session of each group that started ten minutes ago (check-in open, attendance to take). It writes the plan
the locustfile reads (var/load/plan.json): the run's id, the accounts, each group's sessions.

    DATABASE_URL=postgres://.../studycenter_bench_load .venv/bin/python bench/load/prepare.py [--groups 10]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
PLAN = BASE_DIR / "var" / "load" / "plan.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--members", type=int, default=3)
    parser.add_argument("--plan", default=str(PLAN))
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from core.models import Membership, Role, StudyGroup, User
    from studygroups.models import StudySession

    if "bench" not in settings.DATABASES["default"]["NAME"]:
        raise SystemExit("refusing: the load test writes to a database whose name contains 'bench' only")
    now = timezone.now()
    today = timezone.localdate()
    run = uuid.uuid4().hex[:8]
    password = make_password(settings.DEMO_PASSWORD)
    county = User.objects.get(username="staff").scope_unit
    plan = {"run": run, "started": now.isoformat(), "groups": [], "staff": ["staff"], "auditors": ["auditor"]}
    groups = StudyGroup.objects.under(county).filter(is_active=True).order_by("pk")
    for group in groups:
        seats = list(group.memberships_on(today).select_related("person"))
        secretary = next((m.person for m in seats if m.role == Membership.Role.SECRETARY), None)
        members = [m.person for m in seats if m.role == Membership.Role.MEMBER][: args.members]
        held = list(
            StudySession.objects.filter(study_group=group, starts_at__lt=now - datetime.timedelta(days=1))
            .order_by("-starts_at")
            .values_list("pk", flat=True)[:20]
        )
        if secretary is None or not members or not held:
            continue
        n = len(plan["groups"]) + 1
        wanted = [(f"load-sec-{n}", Role.SECRETARY, secretary, group)]
        wanted += [(f"load-mem-{n}-{m}", Role.MEMBER, person, None) for m, person in enumerate(members, 1)]
        accounts = []
        for username, role, person, study_group in wanted:
            # A person has one account at most: the demo's own (secretary, member) is used as it is.
            existing = User.objects.filter(person=person).first()
            if existing is not None and existing.username != username:
                if existing.role == role:
                    accounts.append((existing.username, role, person, study_group))
                continue
            User.objects.update_or_create(
                username=username,
                defaults={"role": role, "person": person, "study_group": study_group, "password": password},
            )
            accounts.append((username, role, person, study_group))
        if not accounts or accounts[0][1] != Role.SECRETARY or len(accounts) < 2:
            continue
        # The session in the room now: members check in, the secretary takes attendance.
        now_session = StudySession.objects.create(
            study_group=group,
            title=f"负载测试 {run}",
            starts_at=now - datetime.timedelta(minutes=10),
            ends_at=now + datetime.timedelta(hours=3),
            place="三楼会议室",
        )
        plan["groups"].append(
            {
                "group": group.pk,
                "secretary": accounts[0][0],
                "members": [a[0] for a in accounts[1:]],
                "now_session": now_session.pk,
                "held_sessions": held,
            }
        )
        if len(plan["groups"]) >= args.groups:
            break
    Path(args.plan).parent.mkdir(parents=True, exist_ok=True)
    Path(args.plan).write_text(json.dumps(plan, indent=1), encoding="utf-8")
    print(f"load plan {run}: {len(plan['groups'])} groups, written to {args.plan}")
    return 0 if plan["groups"] else 1


if __name__ == "__main__":
    sys.exit(main())
