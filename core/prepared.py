"""ORM queries of a fixed shape, compiled once per process.

Turning a queryset into SQL was most of what the department API's hot reads spent on the
database side (joins, EXISTS subqueries and the scope's OR, for a query that takes 0.2 ms to
run). A Prepared query is written with the ORM as usual, by a function of its parameters;
the first call builds it with stand-in values, compiles it, and remembers the SQL, where each
stand-in went among the SQL parameters, and Django's converters for the columns. Later calls
only put the real values in their places and run it, the rows converted as `.values()` would.

Only for values passed through unchanged into the SQL (primary keys, codes, dates and
datetimes in an exact or range comparison): the compile step checks that every stand-in
arrived. Where one does not (SQLite adapts dates to text), the query runs through the plain ORM.

`PreparedModels` is the same for a query that yields model instances (with `select_related`
and `prefetch_related`): Django's own ModelIterable builds the objects, from the remembered SQL.
It keeps the ORM's cost off the pages every rider opens: the session and the signed-in user
(core/sessions.py, riders/auth.py) and Home's cards (issue 18, bench/lunch_peak.py).

On PostgreSQL each compiled statement is also prepared on the server (PREPARE, then EXECUTE with
the values), once per connection: planning was most of what these small queries cost the
database (Home: 2.2 ms of planning against 0.35 ms of execution over its 11 queries). Plans
follow schema changes as PostgreSQL's plan cache does; the statements name their columns, so a
column added by a migration while old processes run changes nothing. Behind a pooler that
shares server connections between clients per transaction (pgbouncer's transaction mode),
set DB_SERVER_PREPARED=0: a statement prepared on one server connection is unknown on another.
"""

import copy
import datetime as dt
import itertools
import re
import threading
from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError

_counter = itertools.count(1)
M = TypeVar("M", bound=Model)
UNPREPARED = ()


def _stand_in(kind: type) -> Any:
    # Unique among one statement's stand-ins (a few dozen at most), and never out of range of
    # the smallest integer column or of a microsecond, however long the process runs (a value
    # out of range would quietly send the statement back to the ORM).
    n = next(_counter) % 2_000
    if kind is int:
        # In range of the smallest integer column (Django drops out-of-range comparisons).
        return 30_000 + n
    if kind is str:
        return f"\x00prepared-{n}\x00"
    if kind is dt.datetime:
        return dt.datetime(1901, 1, 1, 0, 0, n % 60, n, tzinfo=dt.UTC)
    if kind is dt.date:
        return dt.date(1, 1, 1) + dt.timedelta(days=n)
    if kind is Decimal:
        # Six places, as coordinates have; unlike any other stand-in (none is whole).
        return Decimal(n) / 1000 + Decimal("0.000001")
    raise TypeError(kind)


_server_names = itertools.count(1)
_PLACEHOLDER = re.compile(r"%([s%])")


class _OnServer:
    """A compiled statement's twin prepared on the database server, per connection."""

    def __init__(self, sql: str, count: int, *, enabled: bool = True) -> None:
        self.name = f"rp_prepared_{next(_server_names)}"
        numbers = itertools.count(1)
        text = _PLACEHOLDER.sub(lambda m: f"${next(numbers)}" if m[1] == "s" else "%", sql)
        self.prepare = f"PREPARE {self.name} AS {text}"
        values = f"({', '.join(['%s'] * count)})" if count else ""
        # The statement itself as a comment, for whoever reads the query log.
        shown = sql.replace("*/", "* /").replace("%", "%%")
        self.execute = f"/* {shown} */ EXECUTE {self.name}{values}"
        # Not enabled, or the server could not prepare it (a parameter of no known type).
        self.refused = not enabled

    def sql(self, alias: str, sql: str) -> str:
        """What to send for `sql` on `alias`: EXECUTE of the server's prepared statement,
        prepared first if this connection has not seen it; `sql` itself elsewhere."""
        connection = connections[alias]
        if self.refused or connection.vendor != "postgresql" or not settings.DB_SERVER_PREPARED:
            return sql
        connection.ensure_connection()
        raw = connection.connection
        known = getattr(connection, "_prepared_on_server", None)
        if known is None or known[0] is not raw:  # a new connection knows none of them
            known = (raw, set())
            connection._prepared_on_server = known
        if self.name not in known[1]:
            if not self._prepare(raw, in_transaction=connection.in_atomic_block):
                self.refused = True
                return sql
            known[1].add(self.name)
        return self.execute

    def _prepare(self, raw: Any, *, in_transaction: bool) -> bool:
        """PREPARE on the driver's own cursor: the set-up of a connection, not a query of the
        request (query counts and logs show the EXECUTEs). In a transaction, in a savepoint: a
        refused PREPARE leaves it usable (and a PREPARE outlives a rollback)."""
        import psycopg2

        with raw.cursor() as cursor:
            try:
                if in_transaction:
                    cursor.execute("SAVEPOINT rp_prepare")
                cursor.execute(self.prepare)
            except psycopg2.Error:
                if in_transaction:
                    cursor.execute("ROLLBACK TO SAVEPOINT rp_prepare")
                return False
            if in_transaction:
                cursor.execute("RELEASE SAVEPOINT rp_prepare")
        return True


class Prepared:
    """`build(shape, **params)` returns a `.values()` queryset; `rows(shape, **params)` its
    rows.

    `shape` names a variant whose SQL differs (e.g. which values are None); each variant is
    compiled once. `kinds` gives each parameter's type (int, str, date, datetime or Decimal)."""

    # Variants kept per process; past it (e.g. deep pages, each its own OFFSET) the plain ORM.
    MAX_SHAPES = 256

    def __init__(
        self, build: Callable[..., QuerySet], *, on_server: bool = True, **kinds: type
    ) -> None:
        self.build = build
        self.kinds = kinds
        # False: compiled once here but planned by the server each time (see _OnServer).
        self.on_server = on_server
        # Per thread: a compiler holds its thread's connection (and a thread's go with it).
        self._local = threading.local()
        self._model = None  # the model read, once known (for the router)
        self._for_write = False

    def compiled(self) -> dict[tuple[str, Hashable], tuple]:
        """This thread's compiled variants, by (database alias, shape)."""
        if not hasattr(self._local, "compiled"):
            self._local.compiled = {}
        return self._local.compiled

    def _statement(self, alias: str, shape: Hashable, params: dict[str, Any]) -> tuple:
        """Build the query with stand-ins and compile it: (queryset, compiler, sql, slots),
        where a slot is (True, parameter name) or (False, a value fixed in the query)."""
        stand_ins = {
            name: (_stand_in(self.kinds[name]) if value is not None else None)
            for name, value in params.items()
        }
        queryset = self.build(shape, **stand_ins).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        # Also sets the compiler up as the iterables read it: select, klass_info, annotations.
        sql, sql_params = compiler.as_sql()
        by_value = {value: name for name, value in stand_ins.items() if value is not None}
        slots = [
            (True, by_value[p]) if _hashable(p) and p in by_value else (False, p)
            for p in sql_params
        ]
        missing = set(by_value.values()) - {name for is_param, name in slots if is_param}
        if missing:
            raise ValueError(f"Parameters not passed through to the SQL: {sorted(missing)}")
        return queryset, compiler, sql, slots

    def _compile(self, alias: str, shape: Hashable, params: dict[str, Any]) -> tuple:
        queryset, compiler, sql, slots = self._statement(alias, shape, params)
        query = queryset.query
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        converters = compiler.get_converters(fields)
        if query.selected:  # as django.db.models.query.ValuesIterable names the columns
            names = list(query.selected)
        else:
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
        return (
            sql,
            slots,
            compiler,
            converters,
            names,
            _OnServer(sql, len(slots), enabled=self.on_server),
        )

    def _variant(
        self, shape: Hashable, using: str | None, params: dict[str, Any]
    ) -> tuple[str, tuple]:
        """The database to read and this shape's compiled statement there (or UNPREPARED)."""
        if using is None:
            # Where the ORM would read it: the database router's choice (the replica for a
            # lag-tolerant request, core/db_router.py), as for any queryset.
            if self._model is None:
                built = self.build(shape, **params)
                self._model, self._for_write = built.model, built._for_write
            # A locking read (select_for_update) is the primary's, as the ORM sends it.
            route = router.db_for_write if self._for_write else router.db_for_read
            using = route(self._model)
        variants = self.compiled()
        key = (using, shape)
        compiled = variants.get(key)
        if compiled is None and len(variants) >= self.MAX_SHAPES:
            compiled = UNPREPARED
        elif compiled is None:
            try:
                compiled = self._compile(using, shape, params)
            # A value the backend adapts (SQLite's dates and datetimes), or a query that is
            # empty before it runs: the plain ORM, which knows what to do.
            except (ValueError, EmptyResultSet):
                compiled = UNPREPARED
            variants[key] = compiled
        return using, compiled

    @staticmethod
    def _values(slots: list, params: dict[str, Any]) -> list:
        return [params[item] if is_param else item for is_param, item in slots]

    def rows(
        self, shape: Hashable = None, *, using: str | None = None, **params: Any
    ) -> list[dict]:
        using, compiled = self._variant(shape, using, params)
        if compiled is UNPREPARED:
            return list(self.build(shape, **params).using(using))
        sql, slots, compiler, converters, names, server = compiled
        with connections[using].cursor() as cursor:
            cursor.execute(server.sql(using, sql), self._values(slots, params))
            rows = cursor.fetchall()
        if converters:
            bound = copy.copy(compiler)
            bound.connection = connections[using]  # as _Bound does
            rows = bound.apply_converters(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in rows]


class PreparedModels(Prepared, Generic[M]):
    """`build(shape, **params)` returns a queryset of model instances; `objects(shape,
    **params)` the list of them, as `list(queryset)` would give (related objects joined and
    prefetched, annotations set)."""

    def __init__(
        self, build: Callable[..., QuerySet[M]], *, on_server: bool = True, **kinds: type
    ) -> None:
        super().__init__(build, on_server=on_server, **kinds)

    def _compile(self, alias: str, shape: Hashable, params: dict[str, Any]) -> tuple:
        queryset, compiler, sql, slots = self._statement(alias, shape, params)
        return (
            sql,
            slots,
            compiler,
            queryset.model,
            queryset._prefetch_related_lookups,
            _OnServer(sql, len(slots), enabled=self.on_server),
        )

    def objects(
        self, shape: Hashable = None, *, using: str | None = None, **params: Any
    ) -> list[M]:
        using, compiled = self._variant(shape, using, params)
        if compiled is UNPREPARED:
            return list(self.build(shape, **params).using(using))
        sql, slots, compiler, model, prefetches, server = compiled
        if compiler.query.select_for_update and not connections[using].in_atomic_block:
            # As the ORM refuses it: a lock outside a transaction would end with the statement.
            raise TransactionManagementError("select_for_update outside of a transaction")
        bound = _Bound(compiler, using, server.sql(using, sql), self._values(slots, params))
        queryset = QuerySet(model=model, query=bound)
        queryset._db = using
        queryset._prefetch_related_lookups = prefetches
        return list(queryset)


class _Bound:
    """The query of a PreparedModels queryset: its compiler answers the remembered SQL with
    this call's values, already set up; ModelIterable asks nothing else of it."""

    def __init__(self, compiler: Any, using: str, sql: str, values: list) -> None:
        self._compiler, self._using, self._sql, self._values = compiler, using, sql, values

    def get_compiler(self, using: str | None = None, connection: Any = None, elide_empty=True):
        bound = copy.copy(self._compiler)
        # This thread's connection now, not the one it was compiled on: Django may have made a
        # new one since (a test's settings), and a statement must run in the caller's
        # transaction.
        bound.connection = connections[self._using]
        bound.as_sql = lambda *args, **kwargs: (self._sql, self._values)
        return bound


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
