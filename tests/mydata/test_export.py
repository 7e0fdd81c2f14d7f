"""The rider's own copy: every kind of row, nothing of another rider, a ZIP that opens, JSON
that parses, CSV that matches; the task and the sweep."""

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.utils import timezone

from core.models import Notification
from core.personal_data import holdings
from mydata import services
from mydata.models import DataExport
from mydata.tasks import build_data_export

from .builders import rider_with_everything

pytestmark = pytest.mark.django_db

HOLDINGS = [
    "apartments.applications",
    "apartments.tenancies",
    "canteen.orders",
    "core.notifications",
    "governance.fix_answers",
    "governance.questions",
    "governance.reports",
    "governance.supports",
    "growth.enrolments",
    "rewards.awards",
    "rewards.honours",
    "rewards.ledger",
    "rewards.redemptions",
    "riders.city_moves",
    "riders.profile",
    "riders.sign_ins",
    "riders.sms_opt_outs",
    "riders.tier_history",
    "subsidies.claims",
    "volunteering.sign_ups",
    "volunteering.teams",
]


@pytest.fixture
def everything():
    return rider_with_everything()


@pytest.fixture
def archive(everything, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = services.export_request(rider=everything.rider)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    with export.file.open("rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def rows(archive, name):
    return json.loads(archive.read(f"{name}.json"))


def test_every_app_registered_its_holdings():
    # Privacy registers its own (consents) against the same registry: at least these.
    assert set(HOLDINGS) <= {holding.name for holding in holdings()}


@pytest.mark.parametrize("name", HOLDINGS)
def test_the_export_has_rows_of_every_holding(archive, name):
    assert rows(archive, name), f"{name} is empty"


def test_the_json_and_the_csv_hold_the_same_rows(archive):
    for holding in holdings():
        json_rows = rows(archive, holding.name)
        text = archive.read(f"{holding.name}.csv").decode("utf-8-sig")
        csv_rows = list(csv.DictReader(io.StringIO(text)))
        assert len(csv_rows) == len(json_rows), holding.name
        for json_row, csv_row in zip(json_rows, csv_rows, strict=True):
            assert set(csv_row) == set(json_row), holding.name
            for key, value in json_row.items():
                if isinstance(value, str):
                    assert csv_row[key] == value, (holding.name, key)
                elif value is None:
                    assert csv_row[key] == ""


def test_the_files_are_the_riders_photos_and_proofs(archive, everything):
    names = [name for name in archive.namelist() if name.startswith("files/")]
    public_id = everything.report.public_id
    assert f"files/governance.reports/{public_id}-1.jpg" in names
    assert f"files/governance.fix_answers/{public_id}-check-0.jpg" in names
    assert f"files/governance.questions/{public_id}-answer-1.jpg" in names
    assert f"files/rewards.honours/honour-{everything.honour.pk}.jpg" in names
    assert any(name.startswith("files/subsidies.claims/claim-") for name in names)
    for name in names:
        assert archive.read(name)[:3] == b"\xff\xd8\xff"  # the JPEG itself, not a link


def test_nothing_of_another_rider(archive, everything):
    other = everything.extra["other"]
    everything_text = "\n".join(
        archive.read(name).decode("utf-8-sig")
        for name in archive.namelist()
        if "." in name and not name.startswith("files/")
    )
    assert other.name not in everything_text
    assert other.rider_number not in everything_text
    assert other.phone not in everything_text
    assert "另一位骑手的报告" not in everything_text  # the joined report's text is not theirs
    # The joined report is listed by its number only; the other rider's photo is not there.
    assert [row["report"] for row in rows(archive, "governance.supports")] == [
        everything.other_report.public_id
    ]
    assert not any(everything.other_report.public_id in n for n in archive.namelist())
    # The team: the rider's membership, not the members.
    assert rows(archive, "volunteering.teams") == [
        {"name": "青年志愿队", "founded_on": "2022-01-01", "city": "青岛市"}
    ]
    assert len(rows(archive, "volunteering.sign_ups")) == 1


def test_profile_and_readme(archive, everything):
    profile = rows(archive, "riders.profile")[0]
    assert profile["rider_number"] == everything.rider.rider_number
    assert profile["phone"] == everything.rider.phone
    assert profile["tier"] == "honour"
    readme = archive.read("README.txt").decode()
    for holding in holdings():
        assert f"{holding.name}.json" in readme
    sign_in = rows(archive, "riders.sign_ins")[0]
    assert sign_in["channel"] == "sms" and sign_in["ip_address"] == "203.0.113.7"


def test_readme_in_the_riders_language(everything, django_capture_on_commit_callbacks):
    everything.rider.user.language = "en"
    everything.rider.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        export = services.export_request(rider=everything.rider)
    export.refresh_from_db()
    with export.file.open("rb") as handle:
        readme = zipfile.ZipFile(handle).read("README.txt").decode()
    assert readme.startswith("Your data from the Riders Portal")


def test_ready_tells_the_rider_and_offers_it_24_hours(
    everything, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = services.export_request(rider=everything.rider)
    export.refresh_from_db()
    assert export.expires_at - export.ready_at == dt.timedelta(hours=24)
    assert export.size == export.file.size > 0
    assert Notification.objects.filter(
        recipient=everything.rider.user, kind="mydata.export_ready"
    ).exists()


def test_the_task_is_idempotent(everything, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = services.export_request(rider=everything.rider)
    export.refresh_from_db()
    name = export.file.name
    assert build_data_export(export.pk) is False  # built already: nothing done twice
    export.refresh_from_db()
    assert export.file.name == name and export.attempts == 1
    assert (
        Notification.objects.filter(
            recipient=everything.rider.user, kind="mydata.export_ready"
        ).count()
        == 1
    )


def test_one_on_its_way_and_a_daily_limit(settings):
    from tests.factories import RiderFactory

    settings.MYDATA_EXPORTS_PER_DAY = 2
    rider = RiderFactory()
    services.export_request(rider=rider)  # queued: its message not delivered (no commit here)
    with pytest.raises(services.MyDataError) as refused:
        services.export_request(rider=rider)
    assert refused.value.code == "export_pending"
    DataExport.objects.filter(rider=rider).update(status="failed")
    services.export_request(rider=rider)
    DataExport.objects.filter(rider=rider).update(status="failed")
    with pytest.raises(services.MyDataError) as refused:
        services.export_request(rider=rider)
    assert refused.value.code == "export_limit"
    assert DataExport.objects.filter(rider=rider).count() == 2


def test_the_sweep_finds_a_lost_export_and_deletes_expired_files(
    django_capture_on_commit_callbacks,
):
    from tests.factories import RiderFactory

    rider = RiderFactory()
    lost = DataExport.objects.create(rider=rider)  # its message was lost: never built
    later = timezone.now() + dt.timedelta(minutes=20)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        result = services.exports_sweep()
    assert result["requeued"] == 1
    lost.refresh_from_db()
    assert lost.status == DataExport.Status.READY
    name, storage = lost.file.name, lost.file.storage
    assert storage.exists(name)
    # Repeating the sweep changes nothing while the export is offered.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.exports_sweep() == {"expired": 0, "requeued": 0, "failed": 0}
    with (
        time_machine.travel(later + dt.timedelta(hours=25)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert services.exports_sweep()["expired"] == 1
        assert services.exports_sweep()["expired"] == 0
    lost.refresh_from_db()
    assert lost.status == DataExport.Status.EXPIRED and not lost.file
    assert not storage.exists(name)


def test_a_dead_worker_export_is_retaken_then_given_up(
    settings, django_capture_on_commit_callbacks
):
    from tests.factories import RiderFactory

    settings.MYDATA_EXPORT_MAX_ATTEMPTS = 1
    export = DataExport.objects.create(
        rider=RiderFactory(), status="building", started_at=timezone.now(), attempts=1
    )
    later = timezone.now() + dt.timedelta(minutes=20)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert services.exports_sweep()["failed"] == 1
    export.refresh_from_db()
    assert export.status == DataExport.Status.FAILED
