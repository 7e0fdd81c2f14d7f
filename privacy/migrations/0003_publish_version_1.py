import datetime as dt

from django.db import migrations

# Version 1 of the notice, the text of templates/privacy/notice.html at the time of issue 20.
# privacy/apps.py also makes sure it exists after every migrate (a test database flushed
# between tests loses rows that migrations made).
VERSION_1 = {
    "version": 1,
    "published_at": dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    "changes": "首次发布：我们收集什么、为什么、给谁、保存多久、您的权利、如何联系我们。",
    "changes_en": (
        "First version: what we collect, why, who receives it, how long it is kept, "
        "your rights and whom to contact."
    ),
}

# On PostgreSQL the database itself refuses to rewrite a consent's history (DELETE stays
# possible: account closure and retention remove a rider's rows).
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION privacy_consentevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'privacy_consentevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER privacy_consentevent_append_only
    BEFORE UPDATE ON privacy_consentevent
    FOR EACH ROW EXECUTE FUNCTION privacy_consentevent_append_only();
"""
DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS privacy_consentevent_append_only ON privacy_consentevent;
DROP FUNCTION IF EXISTS privacy_consentevent_append_only();
"""


def publish_version_1(apps, schema_editor):
    PrivacyNotice = apps.get_model("privacy", "PrivacyNotice")
    PrivacyNotice.objects.get_or_create(version=1, defaults=VERSION_1)


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY)


def drop_append_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_APPEND_ONLY)


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_notice_and_consents")]

    operations = [
        migrations.RunPython(publish_version_1, migrations.RunPython.noop),
        migrations.RunPython(append_only, drop_append_only),
    ]
