from django.core.management.base import BaseCommand, CommandError

from riders.notify import policy_announce


class Command(BaseCommand):
    help = (
        "Tell every active rider of a new policy: an inbox message naming it (in each reader's "
        "language) with a link, and an SMS unless --no-sms (quiet hours, preferences, the daily "
        "cap and the notification budget apply; docs/notifications.md)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "policy", help="Its short Chinese name (the SMS carries 20 characters)."
        )
        parser.add_argument("--english", default="", help="Its English name.")
        parser.add_argument("--link", default="", help="Where the rider reads it (a portal path).")
        parser.add_argument("--no-sms", action="store_true")

    def handle(self, *args, policy: str, english: str, link: str, no_sms: bool, **options):
        policy = policy.strip()
        if not policy:
            raise CommandError("Name the policy.")
        if link and not link.startswith("/"):
            raise CommandError("The link is a path on the portal, e.g. /subsidy/.")
        told = policy_announce(policy=policy, policy_en=english.strip(), link=link, sms=not no_sms)
        self.stdout.write(f"{told} riders told" + ("" if no_sms else " (SMS as the rules allow)"))
