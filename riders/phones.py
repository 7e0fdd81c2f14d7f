"""Phone numbers at rest (issue 20): what is stored is a Fernet ciphertext (the model field,
django-fernet-encrypted-fields) and a keyed hash to find a rider by phone.

The hash is an HMAC-SHA256 of the normalised number with PHONE_LOOKUP_KEYS[0]: without the key,
the 11-digit space (about 10^9 numbers) cannot be walked to reverse it, as a plain hash could
be in minutes. While keys rotate, a look-up asks for the digest under every key in one indexed
`IN` query; `manage.py phone_keys_rotate` rewrites each row under the newest keys.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import FieldError
from encrypted_fields.fields import EncryptedCharField


def phone_digest(phone: str, key: str | None = None) -> str:
    """The look-up hash of `phone` under `key` (default: the newest)."""
    key = key if key is not None else settings.PHONE_LOOKUP_KEYS[0]
    return hmac.new(key.encode(), phone.strip().encode(), hashlib.sha256).hexdigest()


def phone_digests(phone: str) -> list[str]:
    """The hash of `phone` under every lookup key, newest first (for `phone_hash__in`)."""
    return [phone_digest(phone, key) for key in settings.PHONE_LOOKUP_KEYS]


def encryption_keys_forget(**_signal_kwargs) -> None:
    """An encrypted phone field derives its Fernet keys once per process (a cached property);
    after SALT_KEY or SECRET_KEY changes in a running process (tests), derive them again."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedPhoneField):
                for name in ("keys", "f"):
                    field.__dict__.pop(name, None)


class EncryptedPhoneField(EncryptedCharField):
    """A phone number encrypted at rest. Each write is a fresh ciphertext, so a query by the
    number (`phone=`, `phone__in=`, `rider__phone=`) could never match and would silently find
    nothing: refused here, with the way that works (`Rider.objects.with_phone`, `phone_hash`)."""

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.model.__name__}.{self.name} is encrypted: look a number up by its hash "
                "(Rider.objects.with_phone(phone), phone_hash__in=phone_digests(phone))."
            )
        return super().get_lookup(lookup_name)
