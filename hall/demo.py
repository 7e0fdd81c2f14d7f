"""Demo screens for the centres' halls, one per city, with fixed tokens so that the addresses
are known."""

from core.models import City

from .models import HallDisplay

DEMO_LABEL = "大厅主屏（演示）"
DEMO_TOKEN = "demo-hall-screen"  # noqa: S105 - demo only; seed_demo refuses in production
JINAN_LABEL = "济南大厅主屏（演示）"
JINAN_TOKEN = "demo-hall-screen-jinan"  # noqa: S105 - demo only


def seed(stdout) -> None:
    qingdao = City.objects.get(code="qingdao")
    HallDisplay.objects.get_or_create(
        token=DEMO_TOKEN, defaults={"label": DEMO_LABEL, "language": "zh-hans", "city": qingdao}
    )
    stdout.write(f"Hall screen: /hall/{DEMO_TOKEN}/")
    jinan = City.objects.filter(code="jinan").first()
    if jinan is not None:
        HallDisplay.objects.get_or_create(
            token=JINAN_TOKEN,
            defaults={"label": JINAN_LABEL, "language": "zh-hans", "city": jinan},
        )
        stdout.write(f"Hall screen of Jinan: /hall/{JINAN_TOKEN}/")
