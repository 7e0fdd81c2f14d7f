"""Rewrite every stored phone number under the newest keys (docs/privacy.md, "Phone numbers").

After a new key is put first in PHONE_ENCRYPTION_KEYS and/or PHONE_LOOKUP_KEYS (the old ones
kept after it), this re-encrypts each rider's number and recomputes its look-up hash; then
the old keys can be removed from the environment. Safe to run again, and while the portal
serves: each row is one UPDATE, and a look-up finds a rider under either key meanwhile.
"""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from riders.services import phone_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt and re-hash every rider's phone number with the newest keys."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        count = phone_keys_rotate(batch_size=batch_size)
        self.stdout.write(_("%(count)d phone numbers rewritten.") % {"count": count})
