"""Response templates per department and category (issue 14): the replies a department sends
often, with `{name}` placeholders filled in when resolving. A few for every department to start
with; the centre adds its own in the admin."""

import django.db.models.deletion
from django.db import migrations, models


# title, body, category code (None: any category), sort order
TEMPLATES = [
    ("清理完毕", "已于{time}清理完毕，现场已恢复通畅。", None, 10),
    ("已派人处理", "已于{time}派人到{place}处理完毕，感谢您的反映。", None, 20),
    (
        "消防通道已清空",
        "已于{time}清空{place}的消防通道，占道车辆和杂物已移走。",
        "blocked-fire-lane",
        30,
    ),
]


def seed(apps, schema_editor):
    Category = apps.get_model("governance", "Category")
    ResponseTemplate = apps.get_model("governance", "ResponseTemplate")
    categories = {c.code: c for c in Category.objects.all()}
    for title, body, code, order in TEMPLATES:
        if code is not None and code not in categories:
            continue  # a database whose centre removed the category
        ResponseTemplate.objects.get_or_create(
            title=title,
            department=None,
            defaults={"body": body, "category": categories.get(code), "sort_order": order},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0014_closed_loop_data"),
    ]

    operations = [
        migrations.CreateModel(
            name="ResponseTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=100, verbose_name="title")),
                (
                    "body",
                    models.TextField(
                        help_text="What the rider reads. Placeholders in braces, e.g. {time} or {place}, are filled in when the template is used; write {{ and }} for a brace itself.",
                        max_length=2000,
                        verbose_name="text",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "sort_order",
                    models.PositiveSmallIntegerField(default=0, verbose_name="sort order"),
                ),
                (
                    "category",
                    models.ForeignKey(
                        blank=True,
                        help_text="Leave empty for a template that fits any category.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="response_templates",
                        to="governance.category",
                        verbose_name="category",
                    ),
                ),
                (
                    "department",
                    models.ForeignKey(
                        blank=True,
                        help_text="Leave empty for a template every department may use.",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="response_templates",
                        to="governance.department",
                        verbose_name="department",
                    ),
                ),
            ],
            options={
                "verbose_name": "response template",
                "verbose_name_plural": "response templates",
                "ordering": ["sort_order", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("title", ""), _negated=True),
                            models.Q(("body", ""), _negated=True),
                        ),
                        name="response_template_not_empty",
                    )
                ],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
