"""pytest plugin that runs the fault drills and the bad-input tests and writes docs/reliability.md.

    pytest -p tests.drills.reporting --reliability docs/reliability.md     (make reliability)

With --reliability it keeps only the drills (marker `drill`, anywhere in tests/) and the
bad-input tests (a test function or file whose name contains `no_5xx`, `bad_input` or `fuzz`),
runs them, and writes the file from what they did:

- a drill's guarantee is its docstring's first paragraph (what was staged, what is guaranteed);
- its figures are what it recorded with pytest's `record_property(key, value)` (our drills use
  the `drill_record(key=value)` wrapper in tests/drills/conftest.py). Known keys: `load`,
  `fault`, `requests`, `server_errors`, `lost`, `duplicated`, `recover_s`; any other key is
  listed as it is;
- a bad-input test contributes its docstring's first paragraph and its parametrised case ids.
"""

import datetime as dt
import os
import platform
import re
import shutil
import subprocess
from pathlib import Path

import pytest

BAD_INPUT = re.compile(r"no_5xx|bad_input|(^|_)fuzz(_|$)")
KNOWN = ("load", "fault", "requests", "tasks", "server_errors", "lost", "duplicated", "recover_s")
# Also understood: the ALIASES below; a fault missing is taken from the docstring's "staged:".
_results = pytest.StashKey[dict]()


def pytest_addoption(parser) -> None:
    parser.addoption(
        "--reliability",
        metavar="PATH",
        default=None,
        help="run the drills and bad-input tests only, and write their results to PATH",
    )


def _is_bad_input(item) -> bool:
    name = getattr(item, "originalname", item.name)
    return bool(BAD_INPUT.search(name) or BAD_INPUT.search(item.path.stem))


_session: dict = {}  # the config, for pytest_runtest_logreport (which is not given it)


def pytest_configure(config) -> None:
    if config.getoption("--reliability") and getattr(config.option, "numprocesses", None):
        # Under pytest-xdist the tests run, and their figures stay, in the worker processes.
        raise pytest.UsageError("--reliability needs one process: drop -n (make reliability)")
    config.stash[_results] = {}
    _session["config"] = config


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items) -> None:
    if not config.getoption("--reliability"):
        return
    keep, drop = [], []
    for item in items:
        (keep if item.get_closest_marker("drill") or _is_bad_input(item) else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep
    for item in keep:
        config.stash[_results][item.nodeid] = {
            "item": item,
            "drill": item.get_closest_marker("drill") is not None,
            "outcome": "not run",
            "seconds": 0.0,
            "figures": {},
        }


def pytest_runtest_logreport(report) -> None:
    config = _session.get("config")
    if config is None:
        return
    entry = config.stash[_results].get(report.nodeid)
    if entry is None:
        return
    entry["seconds"] += report.duration
    entry["figures"].update(dict(report.user_properties))
    # The call decides, unless setup or teardown failed or skipped.
    decisive = report.when == "call" or report.outcome != "passed"
    if decisive and entry["outcome"] in ("not run", "passed"):
        entry["outcome"] = report.outcome


def pytest_sessionfinish(session) -> None:
    path = session.config.getoption("--reliability")
    if not path:
        return
    results = list(session.config.stash[_results].values())
    if not results:
        return
    Path(path).write_text(render(results), encoding="utf-8")


# --- rendering --------------------------------------------------------------------------------
def _doc(item) -> str:
    """The docstring's first paragraph on one line, else the test's name in words."""
    doc = getattr(item.function, "__doc__", None) or ""
    paragraph = doc.strip().split("\n\n")[0]
    text = " ".join(line.strip() for line in paragraph.splitlines()).strip()
    return text or getattr(item, "originalname", item.name).removeprefix("test_").replace("_", " ")


def _cell(value) -> str:
    return "—" if value in (None, "") else str(value).replace("|", "\\|").replace("\n", " ")


def _environment() -> str:
    from importlib.metadata import version

    from django.conf import settings

    redis = ""
    if shutil.which("redis-server"):
        out = subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, check=False
        ).stdout
        redis = (re.search(r"v=(\S+)", out) or [None, "?"])[1]
    parts = [
        f"Python {platform.python_version()}",
        f"Django {version('django')}",
        f"Celery {version('celery')}",
        f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}",
        f"Redis {redis or 'not installed'}",
        f"{os.cpu_count()} CPU cores",
    ]
    return ", ".join(parts)


ALIASES = {"duplicates": "duplicated", "5xx": "server_errors", "recover_seconds": "recover_s"}
VOLUMES = ("requests", "tasks", "deliveries", "events", "reports")


def _normalise(entry: dict) -> None:
    """Fill what a drill did not record: aliases, the fault from its docstring, the load."""
    f = entry["figures"]
    for alias, key in ALIASES.items():
        if alias in f and key not in f:
            f[key] = f.pop(alias)
    doc = _doc(entry["item"])
    if not f.get("fault") and ": " in doc:
        f["fault"] = doc.split(": ", 1)[0]  # "what was staged: what is guaranteed"
    if not f.get("load"):
        f["load"] = ", ".join(f"{f[k]} {k}" for k in VOLUMES if f.get(k)) or None


def render(results: list[dict]) -> str:
    drills = [r for r in results if r["drill"]]
    for r in drills:
        _normalise(r)
    bad = [r for r in results if not r["drill"]]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Reliability",
        "",
        "<!-- Generated by `make reliability` (tests/drills/reporting.py); do not edit. -->",
        "",
        f"Generated {now} on real services: {_environment()}.",
        "",
        "Each drill is a test in the suite (marker `drill`, run by `.ci/run` with everything",
        "else): it stages the fault on real PostgreSQL, Redis, Celery worker and web processes,",
        "and fails if the guarantee in its docstring does not hold.",
        "",
        "## Drill results",
        "",
        "| drill | load | fault staged | outcome | lost | duplicated | 5xx | time to recover |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in drills:
        f = r["figures"]
        recover = f"{f['recover_s']} s" if f.get("recover_s") not in (None, "") else None
        lines.append(
            "| "
            + " | ".join(
                _cell(v)
                for v in (
                    f"`{r['item'].name}`",
                    f.get("load"),
                    f.get("fault"),
                    r["outcome"],
                    f.get("lost"),
                    f.get("duplicated"),
                    f.get("server_errors"),
                    recover,
                )
            )
            + " |"
        )
    lines += ["", "## Load", ""]
    for r in drills:
        f = r["figures"]
        extra = ", ".join(f"{k} {v}" for k, v in f.items() if k not in KNOWN)
        requests = f" ({f['requests']} requests)" if f.get("requests") else ""
        if f.get("tasks"):
            requests = f" ({f['tasks']} tasks)"
        lines.append(
            f"- `{r['item'].name}`: {_cell(f.get('load'))}{requests}"
            + (f"; measured: {extra}" if extra else "")
            + f"; the drill took {r['seconds']:.0f} s."
        )
    lines += ["", "## Faults", ""]
    for r in drills:
        fault, doc = _cell(r["figures"].get("fault")), _doc(r["item"])
        if doc.startswith(fault):  # the fault was taken from the docstring: say it once
            lines.append(f"- **{fault}**{doc[len(fault) :]} ({r['outcome']})")
        else:
            lines.append(f"- **{fault}** — {doc} ({r['outcome']})")
    lines += [
        "",
        "## Bad inputs tried",
        "",
        "Tests whose name contains `no_5xx`, `bad_input` or `fuzz` (the no-5xx tests of the API",
        "and Open311): each case must get the API's or the standard's error shape, never a 5xx.",
        "",
    ]
    if not bad:
        lines.append("- (none collected)")
    by_function: dict[str, list[dict]] = {}
    for r in bad:
        item = r["item"]
        key = f"{item.nodeid.split('::')[0]}::{getattr(item, 'originalname', item.name)}"
        by_function.setdefault(key, []).append(r)
    for key, runs in by_function.items():
        outcomes = {r["outcome"] for r in runs}
        ids = [r["item"].callspec.id for r in runs if hasattr(r["item"], "callspec")]
        doc = _doc(runs[0]["item"])
        line = f"- `{key}` — {doc} ({len(runs)} case(s), "
        line += ", ".join(sorted(outcomes)) + ")"
        if ids:
            line += ": " + ", ".join(f"`{_cell(i)}`" for i in ids[:40])
            if len(ids) > 40:
                line += f" and {len(ids) - 40} more"
        lines.append(line)
    lost = sum(int(r["figures"].get("lost") or 0) for r in drills)
    duplicated = sum(int(r["figures"].get("duplicated") or 0) for r in drills)
    errors = sum(int(r["figures"].get("server_errors") or 0) for r in drills)
    failed = [r["item"].name for r in drills if r["outcome"] != "passed"]
    lines += [
        "",
        "## Nothing lost",
        "",
        f"Across {len(drills)} drills: **{lost} lost, {duplicated} duplicated, {errors} "
        "unexpected 5xx**"
        + (f"; not passed: {', '.join(f'`{n}`' for n in failed)}." if failed else ", all passed."),
        "",
        "`duplicated` counts work done twice where the guarantee allows it: webhooks are",
        "delivered at least once with a stable delivery id that receivers de-duplicate on, so a",
        "worker killed between the receiver's answer and the recording of it sends that delivery",
        "again. Reports are never routed twice.",
        "",
        "Why nothing is lost: every piece of work is a database row first (a report in",
        '"submitted", a webhook delivery with its `next_attempt_at`) and the message to the worker',
        "only a fast path; periodic sweeps pick up what a dead broker, a crashed worker or an",
        "emptied Redis dropped, and each task checks the row's state under a lock, so a re-run",
        "changes nothing (at-least-once delivery, idempotent handling). Why nothing fails while",
        "Redis is down: the cache answers as empty (core/cache.py) and the API throttle fails",
        "open, so pages read from the database; the broker publish fails fast and is logged",
        "(core/queue.py). Without the database the web answers 503 in each interface's shape",
        "(core/middleware.py) and `/healthz` says so (docs/operations.md).",
        "",
    ]
    return "\n".join(lines)
