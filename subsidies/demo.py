"""Demo subsidy claims for last month, waiting for the reviewer: an honour rider's (100 %)
and a regular rider's (50 %). Run through `manage.py seed_demo`."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from riders.models import Rider

from . import services
from .models import Claim, InsuranceType


def _receipt() -> SimpleUploadedFile:
    image = Image.new("RGB", (800, 1000), "white")
    draw = ImageDraw.Draw(image)
    for y in range(80, 900, 60):
        draw.line([60, y, 740, y], fill="#888", width=3)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=75)
    return SimpleUploadedFile("receipt.jpg", buffer.getvalue(), content_type="image/jpeg")


def seed(stdout) -> None:
    if Claim.objects.exists():
        stdout.write("Demo subsidy claims already present")
        return
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    types = {t.code: t for t in InsuranceType.objects.all()}
    for number, pension, medical in (("QD100002", "520.00", "180.00"), ("QD100004", "520.00", "")):
        rider = Rider.objects.filter(rider_number=number).first()
        if rider is None:
            return
        amounts = {types["pension"]: Decimal(pension)}
        if medical:
            amounts[types["medical"]] = Decimal(medical)
        services.claim_file(rider=rider, month=last_month, amounts=amounts, proof=_receipt())
    stdout.write("Subsidy claims: 2 waiting for review (login: reviewer)")
