"""Account closure: blocked while an obligation stands (each explained); then every holding
erases what it says and keeps what it says, a test per model; by staff with a reason, in the
audit trail."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.urls import reverse

from apartments import services as apartments
from apartments.models import Application, Tenancy
from canteen.models import MealOrder
from core.models import Notification
from core.personal_data import holdings
from governance.models import FixAnswer, Report, ReportPhoto, ReportQuestion, ReportSupporter
from growth.models import Enrolment
from mydata import services
from mydata.models import AccountClosure, DataExport
from rewards.models import Award, Honour, LedgerEntry, Redemption
from riders.models import CityMove, Rider, SignInRecord, SMSOptOut, TierPeriod
from riders.obligations import closure_obligations_of
from subsidies.models import Claim, ClaimLine
from tests.cities import rider_client
from tests.factories import RiderFactory, StaffFactory, apartment_with_beds
from volunteering.models import SignUp, Team

from .builders import rider_with_everything

pytestmark = pytest.mark.django_db


# --- Blocked -----------------------------------------------------------------------------------


def test_closure_is_blocked_with_each_obligation_explained(client):
    unsettled = rider_with_everything(settled=False)
    rider = unsettled.rider
    Team.objects.create(name="骑手先锋队", leader=rider, founded_on="2023-01-01")
    rider_client(client, rider)
    page = client.get(reverse("mydata:close"))
    blockers = page.context["blockers"]
    expected = [
        "You have a bed in a rider apartment",
        "You have a canteen order to pick up",
        "A subsidy claim of yours is waiting for review",
        "You lead a volunteer team",
    ]
    for sentence in expected:
        assert any(sentence in blocker for blocker in blockers), sentence
    # The validated report's cash reward, in no payout batch yet.
    assert any("cash reward" in blocker for blocker in blockers)
    assert "Type" not in page.content.decode()  # no confirmation while something is due
    response = client.post(reverse("mydata:close"), {"confirm": "CLOSE"})
    assert response.status_code == 409
    rider.refresh_from_db()
    assert rider.is_active and not AccountClosure.objects.exists()
    with pytest.raises(services.ClosureRefused) as refused:
        services.account_close(rider=rider)
    assert refused.value.code == "tied" and len(refused.value.ties) >= len(expected)


@pytest.mark.parametrize(
    ("status", "sentence"),
    [("waiting", "waiting list"), ("offered", "A bed is offered to you")],
)
def test_a_waiting_list_place_or_an_offer_blocks_closure(status, sentence):
    rider = RiderFactory()
    apartment = apartment_with_beds(2)
    apartments.application_submit(
        rider=rider, apartments=[apartment], desired_move_in=dt.date.today() + dt.timedelta(days=30)
    )
    if status == "offered":
        apartments.bed_offer(bed=apartment.beds.first(), by=StaffFactory())
    ties = closure_obligations_of(rider)
    assert len(ties) == 1 and sentence in ties[0]


def test_an_approved_claim_not_paid_yet_blocks_closure():
    unsettled = rider_with_everything(settled=True)
    Claim.objects.filter(pk=unsettled.claim.pk).update(status="approved", reason="")
    assert any("not paid yet" in tie for tie in closure_obligations_of(unsettled.rider))


def test_the_confirmation_word_is_needed(client):
    rider = rider_with_everything().rider
    rider_client(client, rider)
    response = client.post(reverse("mydata:close"), {"confirm": "yes"})
    assert response.status_code == 400
    assert response.context["form"].errors["confirm"]
    rider.refresh_from_db()
    assert rider.is_active


# --- Closed: what each holding erased and kept -------------------------------------------------


@pytest.fixture
def closed(client, django_capture_on_commit_callbacks):
    """A rider with every kind of record closes their account from the page; the other rider's
    records are there to prove nothing of theirs changes."""
    everything = rider_with_everything()
    rider = everything.rider
    storage = ReportPhoto._meta.get_field("image").storage
    files = {
        "report_photos": [
            name
            for photo in ReportPhoto.objects.filter(report__rider=rider)
            for name in (photo.image.name, photo.thumbnail.name)
        ],
        "fix_answer": FixAnswer.objects.get(rider=rider).photo.name,
        "question": ReportQuestion.objects.get(report__rider=rider).photo.name,
        "honour": everything.honour.photo.name,
        "proof": everything.claim.proof.name,
        "other_photo": ReportPhoto.objects.get(report=everything.other_report).image.name,
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.export_request(rider=rider)
    files["export"] = DataExport.objects.get(rider=rider).file.name
    ledger = LedgerEntry.objects.filter(rider=rider).count()
    rider_client(client, rider)
    other_client = client.__class__()
    rider_client(other_client, rider)  # a second browser: signed out too
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("mydata:close"), {"confirm": "CLOSE"})
    assert response.status_code == 200, response.context and response.context.get("blockers")
    assert "_auth_user_id" not in client.session
    rider = Rider.objects.select_related("user").get(pk=rider.pk)
    return {
        "everything": everything,
        "rider": rider,
        "files": files,
        "storage": storage,
        "ledger": ledger,
        "other_client": other_client,
    }


def test_the_rider_row_is_pseudonymised(closed):
    rider = closed["rider"]
    assert rider.name == f"已注销骑手{rider.pk}"
    assert rider.rider_number == f"closed-{rider.pk}"
    assert rider.phone is None
    assert (rider.station, rider.gender, rider.is_active) == ("", "", False)


def test_the_user_account_is_deactivated_and_signed_out_everywhere(closed):
    user = closed["rider"].user
    assert not user.is_active and not user.has_usable_password()
    assert user.username == f"closed-rider-{closed['rider'].pk}"
    assert not [
        s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk)
    ]
    assert closed["other_client"].get(reverse("mydata:index")).status_code == 302


def test_tier_history_sms_choices_moves_sign_ins_and_inbox_are_deleted(closed):
    rider = closed["rider"]
    for model in (TierPeriod, SMSOptOut, CityMove, SignInRecord):
        assert not model.objects.filter(rider=rider).exists(), model
    assert not Notification.objects.filter(recipient=rider.user).exists()


def test_reports_are_kept_without_the_riders_photos(closed):
    rider, storage = closed["rider"], closed["storage"]
    report = Report.objects.get(pk=closed["everything"].report.pk)
    assert report.rider_id == rider.pk and report.description  # the city's record
    assert not ReportPhoto.objects.filter(report__rider=rider).exists()
    for name in closed["files"]["report_photos"]:
        assert not storage.exists(name)
    # Another rider's photo is theirs: untouched.
    assert storage.exists(closed["files"]["other_photo"])


def test_fix_checks_and_answers_are_kept_without_photos(closed):
    rider, storage = closed["rider"], closed["storage"]
    answer = FixAnswer.objects.get(rider=rider)
    assert answer.outcome == "fixed" and not answer.photo and not answer.thumbnail
    assert not storage.exists(closed["files"]["fix_answer"])
    question = ReportQuestion.objects.get(report__rider=rider)
    assert question.answer == "三楼" and not question.photo
    assert not storage.exists(closed["files"]["question"])
    assert ReportSupporter.objects.filter(rider=rider).exists()  # the count of who saw it


def test_awards_ledger_and_redemptions_are_kept_honours_deleted(closed):
    rider, storage = closed["rider"], closed["storage"]
    assert Award.objects.filter(rider=rider).exists()
    assert LedgerEntry.objects.filter(rider=rider).count() == closed["ledger"]
    assert Redemption.objects.filter(rider=rider).exists()
    assert not Honour.objects.filter(rider=rider).exists()
    assert not storage.exists(closed["files"]["honour"])


def test_orders_applications_and_tenancies_are_kept(closed):
    rider = closed["rider"]
    assert MealOrder.objects.filter(rider=rider, status="collected").exists()
    assert Tenancy.objects.filter(rider=rider).exists()
    assert list(Application.objects.filter(rider=rider).values_list("note", flat=True)) == [""]


def test_claims_are_kept_with_lines_and_proofs(closed):
    rider, storage = closed["rider"], closed["storage"]
    claim = Claim.objects.get(rider=rider)
    assert ClaimLine.objects.filter(claim=claim).exists()
    assert claim.proof and storage.exists(closed["files"]["proof"])


def test_current_enrolments_are_cancelled(closed):
    enrolment = Enrolment.objects.get(pk=closed["everything"].enrolment.pk)
    assert enrolment.status == "cancelled" and enrolment.cancelled_at is not None


def test_volunteer_hours_kept_team_membership_removed(closed):
    rider = closed["rider"]
    assert SignUp.objects.get(rider=rider).verified_hours == 3
    team = closed["everything"].team
    assert list(team.members.all()) == [closed["everything"].extra["other"]]


def test_exports_are_deleted(closed):
    assert not DataExport.objects.filter(rider=closed["rider"]).exists()
    assert not closed["storage"].exists(closed["files"]["export"])


def test_the_closure_records_what_each_holding_did(closed):
    closure = AccountClosure.objects.get(rider=closed["rider"])
    assert closure.by is None and closure.closed_at is not None
    assert set(closure.summary) == {holding.name for holding in holdings()}
    assert closure.summary["riders.profile"]["erased"] == 1
    assert closure.summary["governance.reports"]["erased"] == 1  # one photo
    assert closure.summary["subsidies.claims"]["kept"]


def test_the_audit_trail_records_the_closure_by_the_rider(closed):
    rider = closed["rider"]
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Rider), object_id=rider.pk, action=1
    )
    closure = AccountClosure.objects.get(rider=rider)
    assert entry.actor == rider.user
    assert entry.additional_data["account_closure"] == closure.pk
    assert "is_active" in entry.changes


def test_a_closed_account_cannot_be_closed_twice(closed):
    with pytest.raises(services.ClosureRefused) as refused:
        services.account_close(rider=closed["rider"])
    assert refused.value.code == "closed"


def test_the_other_riders_records_are_untouched(closed):
    other = closed["everything"].extra["other"]
    fresh = Rider.objects.get(pk=other.pk)
    assert (fresh.name, fresh.phone, fresh.is_active) == (other.name, other.phone, True)
    assert ReportPhoto.objects.filter(report__rider=other).exists()
    assert TierPeriod.objects.filter(rider=other).exists()
