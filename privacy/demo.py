"""Demo acceptances and consents. Run through `manage.py seed_demo` (after riders' demo).

Every demo rider has accepted version 1 — except 冯未来 (QD100010, 13800000010), who signs in
to the notice first, to show the flow. Most agreed to both optional consents; 陈思远
(QD100004) agreed to none: no SMS notices, and a masked name on the honour roll."""

from django.utils import timezone

from riders.models import Rider

from .models import ConsentChoice, NoticeAcceptance, Purpose
from .selectors import current_notice
from .services import consents_set

NOT_ACCEPTED = "QD100010"
NO_CONSENTS = "QD100004"


def seed(stdout) -> None:
    notice = current_notice()
    if notice is None or NoticeAcceptance.objects.exists():
        return
    now = timezone.now()
    riders = list(Rider.objects.exclude(rider_number=NOT_ACCEPTED))
    NoticeAcceptance.objects.bulk_create(
        NoticeAcceptance(rider=r, notice=notice, accepted_at=now, channel="web") for r in riders
    )
    for rider in riders:
        if (
            rider.rider_number != NO_CONSENTS
            and not ConsentChoice.objects.filter(rider=rider).exists()
        ):
            consents_set(rider=rider, choices=dict.fromkeys(Purpose.values, True), now=now)
    stdout.write(
        f"Privacy notice v{notice.version} accepted by {len(riders)} demo riders; "
        f"{NOT_ACCEPTED} (13800000010) has not: they see the notice first"
    )
