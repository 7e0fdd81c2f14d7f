"""A demo screen for the centre's hall, with a fixed token so that the address is known."""

from .models import HallDisplay

DEMO_LABEL = "大厅主屏（演示）"
DEMO_TOKEN = "demo-hall-screen"  # noqa: S105 - demo only; seed_demo refuses in production


def seed(stdout) -> None:
    HallDisplay.objects.get_or_create(
        token=DEMO_TOKEN, defaults={"label": DEMO_LABEL, "language": "zh-hans"}
    )
    stdout.write(f"Hall screen: /hall/{DEMO_TOKEN}/")
