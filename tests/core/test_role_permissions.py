"""Staff roles get their permissions from each app's AppConfig.role_permissions, granted by
core/roles.py after every migrate: the same on a new database as the old per-app migrations
gave, idempotent, and picking up what an app declares later."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from core.roles import (
    APARTMENT_MANAGER,
    CANTEEN_OPERATOR,
    CENTRE_ADMIN,
    DISPATCHER,
    NATIONAL_ADMIN,
    STAFF_ROLES,
    SUBSIDY_REVIEWER,
    role_permissions_grant,
)

pytestmark = pytest.mark.django_db

# {group: sorted(permissions)} of a database migrated with the old per-app grant migrations
# (commit 13abd01), before they were replaced by the declarations.
OLD_MIGRATIONS_GRANTED = {
    APARTMENT_MANAGER: """
        apartments.add_bed apartments.add_inspection apartments.add_room apartments.add_roomtype
        apartments.change_apartment apartments.change_application apartments.change_bed
        apartments.change_inspection apartments.change_inspectionresult apartments.change_room
        apartments.change_roomtype apartments.change_tenancy apartments.delete_room
        apartments.delete_roomtype apartments.view_apartment apartments.view_application
        apartments.view_bed apartments.view_checklistitem apartments.view_facility
        apartments.view_inspection apartments.view_inspectionresult apartments.view_room
        apartments.view_roomtype apartments.view_tenancy
    """,
    CANTEEN_OPERATOR: """
        canteen.add_setmeal canteen.change_canteen canteen.change_mealorder
        canteen.change_setmeal canteen.view_canteen canteen.view_mealorder canteen.view_setmeal
        rewards.use_redemption rewards.view_redemption
    """,
    CENTRE_ADMIN: """
        apartments.add_apartment apartments.add_application apartments.add_bed
        apartments.add_checklistitem apartments.add_facility apartments.add_inspection
        apartments.add_inspectionresult apartments.add_room apartments.add_roomtype
        apartments.add_tenancy apartments.change_apartment apartments.change_application
        apartments.change_bed apartments.change_checklistitem apartments.change_facility
        apartments.change_inspection apartments.change_inspectionresult apartments.change_room
        apartments.change_roomtype apartments.change_tenancy apartments.delete_apartment
        apartments.delete_application apartments.delete_bed apartments.delete_checklistitem
        apartments.delete_facility apartments.delete_inspection
        apartments.delete_inspectionresult apartments.delete_room apartments.delete_roomtype
        apartments.delete_tenancy apartments.view_apartment apartments.view_application
        apartments.view_bed apartments.view_checklistitem apartments.view_facility
        apartments.view_inspection apartments.view_inspectionresult apartments.view_room
        apartments.view_roomtype apartments.view_tenancy
        auditlog.view_logentry
        canteen.add_canteen canteen.add_mealorder canteen.add_setmeal canteen.change_canteen
        canteen.change_mealorder canteen.change_setmeal canteen.delete_canteen
        canteen.delete_mealorder canteen.delete_setmeal canteen.view_canteen
        canteen.view_mealorder canteen.view_setmeal
        governance.add_alert governance.add_category governance.add_department
        governance.add_report governance.add_reportevent governance.add_reportphoto
        governance.add_role governance.add_routingrule governance.change_alert
        governance.change_category governance.change_department governance.change_report
        governance.change_reportevent governance.change_reportphoto governance.change_role
        governance.change_routingrule governance.delete_alert governance.delete_category
        governance.delete_department governance.delete_report governance.delete_reportevent
        governance.delete_reportphoto governance.delete_role governance.delete_routingrule
        governance.view_alert governance.view_category governance.view_department
        governance.view_report governance.view_reportevent governance.view_reportphoto
        governance.view_role governance.view_routingrule
        growth.add_attendance growth.add_course growth.add_enrolment growth.add_session
        growth.change_attendance growth.change_course growth.change_enrolment
        growth.change_session growth.delete_attendance growth.delete_course
        growth.delete_enrolment growth.delete_session growth.view_attendance growth.view_course
        growth.view_enrolment growth.view_session
        merchants.add_merchant merchants.add_openinghours merchants.change_merchant
        merchants.change_openinghours merchants.delete_merchant merchants.delete_openinghours
        merchants.view_merchant merchants.view_openinghours
        rewards.add_award rewards.add_benefit rewards.add_honour rewards.add_ledgerentry
        rewards.add_payoutbatch rewards.add_pointsaccount rewards.add_redemption
        rewards.change_award rewards.change_benefit rewards.change_honour
        rewards.change_ledgerentry rewards.change_payoutbatch rewards.change_pointsaccount
        rewards.change_redemption rewards.delete_award rewards.delete_benefit
        rewards.delete_honour rewards.delete_ledgerentry rewards.delete_payoutbatch
        rewards.delete_pointsaccount rewards.delete_redemption rewards.use_redemption
        rewards.view_award rewards.view_benefit rewards.view_honour rewards.view_ledgerentry
        rewards.view_payoutbatch rewards.view_pointsaccount rewards.view_redemption
        subsidies.add_adjustment subsidies.add_claim subsidies.add_claimline
        subsidies.add_insurancetype subsidies.add_subsidybatch subsidies.add_subsidypolicy
        subsidies.change_adjustment subsidies.change_claim subsidies.change_claimline
        subsidies.change_insurancetype subsidies.change_subsidybatch
        subsidies.change_subsidypolicy subsidies.delete_adjustment subsidies.delete_claim
        subsidies.delete_claimline subsidies.delete_insurancetype subsidies.delete_subsidybatch
        subsidies.delete_subsidypolicy subsidies.view_adjustment subsidies.view_claim
        subsidies.view_claimline subsidies.view_insurancetype subsidies.view_subsidybatch
        subsidies.view_subsidypolicy
        volunteering.add_activity volunteering.add_signup volunteering.add_team
        volunteering.change_activity volunteering.change_signup volunteering.change_team
        volunteering.delete_activity volunteering.delete_signup volunteering.delete_team
        volunteering.view_activity volunteering.view_signup volunteering.view_team
    """,
    DISPATCHER: """
        governance.add_routingrule governance.change_report governance.change_routingrule
        governance.delete_routingrule governance.view_alert governance.view_category
        governance.view_department governance.view_report governance.view_reportevent
        governance.view_reportphoto governance.view_role governance.view_routingrule
        rewards.view_award
    """,
    SUBSIDY_REVIEWER: """
        rewards.add_payoutbatch rewards.change_payoutbatch rewards.view_award
        rewards.view_ledgerentry rewards.view_payoutbatch rewards.view_pointsaccount
        subsidies.add_adjustment subsidies.add_subsidybatch subsidies.change_claim
        subsidies.change_subsidybatch subsidies.view_adjustment subsidies.view_claim
        subsidies.view_claimline subsidies.view_insurancetype subsidies.view_subsidybatch
        subsidies.view_subsidypolicy
    """,
}

# Models removed since, and their permissions with them: Alert (nothing read it), and the two
# payout-batch models that payouts.PayoutBatch replaced.
REMOVED = """
    governance.add_alert governance.change_alert governance.delete_alert governance.view_alert
    rewards.add_payoutbatch rewards.change_payoutbatch rewards.delete_payoutbatch
    rewards.view_payoutbatch
    subsidies.add_subsidybatch subsidies.change_subsidybatch subsidies.delete_subsidybatch
    subsidies.view_subsidybatch
"""

ADDED = {
    # Dispatchers read the riders' checks of fixes (issue 14), which supervision is decided on.
    # They also keep the departments' response templates (issue 14), all but deleting them.
    DISPATCHER: """
        governance.view_fixanswer governance.view_responsetemplate
        governance.add_responsetemplate governance.change_responsetemplate
        governance.view_reportquestion governance.view_transferrequest
        governance.change_transferrequest governance.view_transferrule
        governance.add_transferrule governance.change_transferrule
        governance.delete_transferrule governance.view_reportassist
        governance.add_reportassist governance.delete_reportassist
        governance.view_citycategory
        governance.redact_reportphoto governance.view_evidencephoto
        governance.redact_evidencephoto
    """,
    # Reviewers keep the batch work (now in payouts), and approve and pay each other's batches.
    SUBSIDY_REVIEWER: """
        payouts.view_payoutbatch payouts.add_payoutbatch payouts.change_payoutbatch
        payouts.approve_payoutbatch payouts.pay_payoutbatch
    """,
    # Centre admins have every permission of each app. The old migration for governance took a
    # snapshot before evidence photos and supporters existed, so it missed theirs.
    CENTRE_ADMIN: """
        payouts.add_batchnumber payouts.change_batchnumber payouts.delete_batchnumber
        payouts.view_batchnumber payouts.add_payoutbatch payouts.change_payoutbatch
        payouts.delete_payoutbatch payouts.view_payoutbatch payouts.approve_payoutbatch
        payouts.pay_payoutbatch
        governance.add_evidencephoto governance.change_evidencephoto
        governance.delete_evidencephoto governance.view_evidencephoto
        governance.add_reportsupporter governance.change_reportsupporter
        governance.delete_reportsupporter governance.view_reportsupporter
        governance.add_fixanswer governance.change_fixanswer governance.delete_fixanswer
        governance.view_fixanswer
        governance.add_responsetemplate governance.change_responsetemplate
        governance.delete_responsetemplate governance.view_responsetemplate
        governance.add_reportquestion governance.change_reportquestion
        governance.delete_reportquestion governance.view_reportquestion
        governance.add_transferrule governance.change_transferrule
        governance.delete_transferrule governance.view_transferrule
        governance.add_transferrequest governance.change_transferrequest
        governance.delete_transferrequest governance.view_transferrequest
        governance.add_officer governance.change_officer governance.delete_officer
        governance.view_officer
        governance.add_reportassist governance.change_reportassist
        governance.delete_reportassist governance.view_reportassist
        hall.add_halldisplay hall.change_halldisplay hall.delete_halldisplay
        hall.view_halldisplay
        governance.add_officersmsdevice governance.change_officersmsdevice
        governance.delete_officersmsdevice governance.view_officersmsdevice
        core.view_city core.change_city core.view_district core.add_district
        core.change_district
        riders.view_rider riders.add_rider riders.change_rider riders.view_tierperiod
        riders.view_citymove
        governance.add_citycategory governance.change_citycategory
        governance.delete_citycategory governance.view_citycategory
        privacy.view_retentionrun privacy.run_retention
        privacy.view_privacynotice privacy.view_noticeacceptance privacy.view_consentchoice
        privacy.view_consentevent
        mydata.add_accountclosure mydata.change_accountclosure mydata.delete_accountclosure
        mydata.view_accountclosure mydata.add_correctionrequest mydata.change_correctionrequest
        mydata.delete_correctionrequest mydata.view_correctionrequest mydata.add_dataexport
        mydata.change_dataexport mydata.delete_dataexport mydata.view_dataexport
        governance.redact_reportphoto governance.redact_evidencephoto
    """,
}


def granted() -> dict[str, set[str]]:
    return {
        group.name: {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        for group in Group.objects.prefetch_related("permissions")
    }


def migrate() -> None:
    call_command("migrate", verbosity=0, skip_checks=True)


def test_a_new_database_gives_each_role_what_the_old_migrations_gave():
    expected = {
        role: (set(perms.split()) - set(REMOVED.split())) | set(ADDED.get(role, "").split())
        for role, perms in OLD_MIGRATIONS_GRANTED.items()
    }
    # The national admin (issue 19) is granted what a centre admin is (core.roles.ROLE_INCLUDES).
    expected[NATIONAL_ADMIN] = expected[CENTRE_ADMIN] | {
        "core.add_city",
        "core.delete_city",
        "core.delete_district",
        "core.add_user",
        "core.change_user",
        "core.view_user",
        "privacy.add_privacynotice",  # the notice is the deployment's: national admins publish
    }
    assert granted() == expected
    assert set(expected) == set(STAFF_ROLES)


def test_running_it_again_changes_nothing():
    through = Group.permissions.through
    before = set(through.objects.values_list("pk", "group_id", "permission_id"))
    migrate()
    migrate()
    assert set(through.objects.values_list("pk", "group_id", "permission_id")) == before


def test_what_an_app_declares_later_is_granted_on_the_next_migrate(monkeypatch):
    rewards = apps.get_app_config("rewards")
    declared = {**rewards.role_permissions, DISPATCHER: ("view_award", "view_honour")}
    monkeypatch.setattr(rewards, "role_permissions", declared)
    assert "rewards.view_honour" not in granted()[DISPATCHER]
    migrate()
    assert "rewards.view_honour" in granted()[DISPATCHER]


def test_an_existing_database_is_brought_to_the_same_state():
    # A database missing a grant (an older one, or one a person edited) gets it back.
    expected = granted()
    Group.objects.get(name=CENTRE_ADMIN).permissions.remove(
        Permission.objects.get(content_type__app_label="growth", codename="view_course")
    )
    Group.objects.get(name=APARTMENT_MANAGER).delete()
    migrate()
    assert granted() == expected


def test_all_leaves_out_permissions_of_a_model_since_removed():
    # An existing database keeps the content type and permissions of a deleted model; a new one
    # has none, so "every permission of governance" must mean the models the code has.
    stale = ContentType.objects.create(app_label="governance", model="alert")
    Permission.objects.create(content_type=stale, codename="view_alert", name="Can view alert")
    migrate()
    assert "governance.view_alert" not in granted()[CENTRE_ADMIN]


@pytest.mark.parametrize(
    "declared",
    [{DISPATCHER: ("view_reports",)}, {"Dispatchers": ("view_report",)}],
    ids=["unknown codename", "unknown role"],
)
def test_a_mistake_in_a_declaration_stops_the_migration(monkeypatch, declared):
    governance = apps.get_app_config("governance")
    monkeypatch.setattr(governance, "role_permissions", declared)
    with pytest.raises(ImproperlyConfigured):
        role_permissions_grant(app_config=governance)


def test_roles_declared_by_two_apps_get_both():
    # The canteen operator's permissions come from canteen and rewards (redemption codes).
    assert {"canteen.view_mealorder", "rewards.use_redemption"} <= granted()[CANTEEN_OPERATOR]


@pytest.mark.django_db(transaction=True)
def test_a_flushed_database_gets_the_roles_back():
    # Transactional tests flush every table; tests/conftest.py relies on this to seed nothing.
    expected = granted()
    call_command("flush", interactive=False, verbosity=0)
    assert granted() == expected
