"""rollsafe's side of an Alembic project, run with the project's own python.

Commands (argv[1]), each reading one JSON request from stdin:
  read     the static model of revision files, from Python's own `ast` (no import, no database)
  offline  each revision's upgrade/downgrade SQL, from Alembic's offline (as_sql) mode, per op.* line
  serve    runs revisions online; every statement goes back to rollsafe over stdout/stdin, so the
           revision talks to rollsafe's engine and never opens a socket of its own

Replies are JSON, one object per line on stdout.
"""

import ast
import re
import inspect
import io
import json
import os
import sys
import tokenize
import traceback

GUARDED_BY_IF_NOT_EXISTS = ("create_table", "create_index", "add_column")
GUARDED_BY_IF_EXISTS = ("drop_table", "drop_index", "drop_constraint")
# Calls that read the live schema: an `if` that tests one of them is an existence check.
INSPECTOR_READS = {
    "has_table", "has_index", "has_schema", "has_sequence", "has_type",
    "get_table_names", "get_columns", "get_indexes", "get_unique_constraints",
    "get_foreign_keys", "get_check_constraints", "get_pk_constraint", "get_view_names",
    "get_sequence_names", "get_enums",
}
# A revision that reads the database cannot be rendered offline: it runs online.
LIVE_CALLS = {"get_bind", "get_context", "inspect", "run_async"}


def alembic_support():
    """Which if_[not_]exists parameters the installed Alembic accepts, read from its signatures."""
    try:
        import alembic
        from alembic.operations import Operations
    except Exception:
        return {"version": None, "params": {}}
    params = {}
    for name in GUARDED_BY_IF_NOT_EXISTS + GUARDED_BY_IF_EXISTS + ("drop_column",):
        try:
            names = inspect.signature(getattr(Operations, name)).parameters
        except (TypeError, ValueError, AttributeError):
            continue
        params[name] = [p for p in ("if_exists", "if_not_exists") if p in names]
    return {"version": alembic.__version__, "params": params}


def literal(node):
    try:
        return ast.literal_eval(node)
    except Exception:
        return None


def as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value]
    return [str(value)]


def call_name(node):
    """`op.create_table` -> ('op', 'create_table'); `sa.inspect` -> ('sa', 'inspect'); `inspect` -> (None, 'inspect')."""
    func = node.func
    if isinstance(func, ast.Attribute):
        owner = func.value
        return (owner.id if isinstance(owner, ast.Name) else None, func.attr)
    if isinstance(func, ast.Name):
        return (None, func.id)
    return (None, None)


# Module functions that read the schema (`def _columns(table): ... get_columns(table)`): calling one is a read too.
schema_functions = set()


# A SELECT on the catalogs (`SELECT 1 FROM information_schema.columns WHERE …`) is an existence check too.
CATALOG_QUERY = re.compile(
    r"^\s*(?:select|with)\b.*(?:\binformation_schema\b|\bpg_(?:catalog|class|namespace|indexes|constraint|type|attribute|tables|views|matviews|proc|extension|trigger)\b|\bto_regclass\b)",
    re.IGNORECASE | re.DOTALL,
)


def reads_schema(node, schema_names):
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and (call_name(sub)[1] in INSPECTOR_READS or call_name(sub)[1] in schema_functions):
            return True
        if isinstance(sub, ast.Name) and sub.id in schema_names:
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and CATALOG_QUERY.search(sub.value):
            return True
    return False


def is_empty_body(body):
    """pass, `...`, a docstring, or raise NotImplementedError: a function that does nothing."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def keyword_true(call, name):
    return any(k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


def first_string(call, names=("sqltext",)):
    """The SQL text of op.execute("...") / op.execute(sa.text("...")) when it is a literal or an f-string."""
    arg = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg in names), None)
    if isinstance(arg, ast.Call) and call_name(arg)[1] == "text" and arg.args:
        arg = arg.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg
    if isinstance(arg, ast.JoinedStr):
        return arg
    return None


# String constants of the module and of the function being read: what an f-string's `{name}` holds.
string_constants = {}


def collect_constants(body, into):
    for stmt in body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = literal(stmt.value)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                into[stmt.targets[0].id] = str(value)


def fstring_text(node, constants, source_lines):
    """An f-string's SQL: constants in place of their `{name}`, a placeholder (printed back as written) for the rest."""
    text, placeholders = "", {}
    for index, part in enumerate(node.values):
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            text += part.value
            continue
        expression = part.value if isinstance(part, ast.FormattedValue) else part
        if isinstance(expression, ast.Name) and expression.id in constants:
            text += constants[expression.id]
            continue
        written = "{" + (ast.get_source_segment("\n".join(source_lines), expression) or "…") + "}"
        placeholder = ("x" + format(index, "x")).ljust(len(written), "_")
        placeholders[placeholder] = written
        text += placeholder
    return text, placeholders


def name_of(node):
    """A literal name, or the name inside op.f("ix_...") (Alembic's naming-convention marker)."""
    if isinstance(node, ast.Call) and call_name(node)[1] == "f" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Name) and node.id in string_constants:
        return string_constants[node.id]
    return literal(node)


def target_of(call, op_name):
    args = [name_of(a) for a in call.args[:2]]
    args = [a for a in args if isinstance(a, str)]
    if op_name in ("create_index", "drop_index", "drop_constraint") and args:
        return args[0]
    if op_name == "add_column" and call.args:
        table = name_of(call.args[0])
        column = call.args[1] if len(call.args) > 1 else None
        name = name_of(column.args[0]) if isinstance(column, ast.Call) and column.args else None
        return f"{table}.{name}" if table and name else table
    if op_name == "drop_column" and len(args) == 2:
        return f"{args[0]}.{args[1]}"
    return args[0] if args else None


class FunctionReader:
    """The op.* calls of one upgrade()/downgrade() body, each with whether an existence check guards it."""

    def __init__(self, direction, lines):
        self.direction = direction
        self.lines = lines
        self.operations = []
        self.sql = []

    def read(self, func):
        self.constants = {}
        collect_constants(func.body, self.constants)
        schema_names = set()
        for sub in ast.walk(func):
            if isinstance(sub, ast.Assign) and reads_schema(sub.value, set()):
                schema_names.update(t.id for t in sub.targets if isinstance(t, ast.Name))
        self.schema_names = schema_names
        self.block(func.body, False)

    def block(self, body, guarded):
        for stmt in body:
            if isinstance(stmt, ast.If) and reads_schema(stmt.test, self.schema_names):
                self.block(stmt.body, True)
                self.block(stmt.orelse, True)
                # `if inspector.has_table("t"): return` guards what follows it.
                if stmt.body and isinstance(stmt.body[-1], ast.Return):
                    guarded = True
                continue
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(stmt, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], (ast.stmt, ast.excepthandler)):
                    self.block(inner, guarded)
            for node in self.own_expressions(stmt):
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call):
                        self.call(sub, guarded)

    @staticmethod
    def own_expressions(stmt):
        """The statement's expressions, without the bodies of nested blocks (read by block())."""
        for field, value in ast.iter_fields(stmt):
            if field in ("body", "orelse", "finalbody", "handlers"):
                continue
            if isinstance(value, ast.AST):
                yield value
            elif isinstance(value, list):
                yield from (v for v in value if isinstance(v, ast.AST) and not isinstance(v, ast.stmt))

    def call(self, node, guarded):
        owner, name = call_name(node)
        if owner not in ("op", "batch_op"):
            return
        loc = {"line": node.lineno, "column": node.col_offset + 1}
        if name == "execute":
            text = first_string(node)
            if isinstance(text, ast.JoinedStr):
                sql, placeholders = fstring_text(text, {**string_constants, **self.constants}, self.lines)
                opening = self.lines[text.lineno - 1][text.col_offset:]
                quotes = len(opening) - len(opening.lstrip("rRfFbB"))
                quotes += 3 if opening[quotes:quotes + 3] in ('"""', "'''") else 1
                self.sql.append({"direction": self.direction, "sql": sql, "line": text.lineno, "column": text.col_offset + quotes + 1, "placeholders": placeholders, "guarded": guarded})
            elif text is not None:
                # A triple-quoted string starting on the call's line: its text starts there too.
                # Where the SQL itself starts: after the string's prefix and opening quotes.
                opening = self.lines[text.lineno - 1][text.col_offset:]
                quotes = len(opening) - len(opening.lstrip("rRuUbB"))
                quotes += 3 if opening[quotes:quotes + 3] in ('"""', "'''") else 1
                self.sql.append({"direction": self.direction, "sql": text.value, "line": text.lineno, "column": text.col_offset + quotes + 1, "guarded": guarded})
            return
        if name in GUARDED_BY_IF_NOT_EXISTS or name in GUARDED_BY_IF_EXISTS or name == "drop_column":
            keyword = "if_not_exists" if name in GUARDED_BY_IF_NOT_EXISTS else "if_exists"
            self.operations.append({
                "direction": self.direction,
                "call": f"{owner}.{name}",
                "name": name,
                "target": target_of(node, name),
                "guarded": guarded or keyword_true(node, keyword),
                "loc": loc,
            })


def comments_of(source):
    """Every `#` comment as Python's own tokenizer finds it (never text inside a string)."""
    try:
        return [
            {"line": token.start[0], "column": token.start[1], "text": token.string}
            for token in tokenize.generate_tokens(io.StringIO(source).readline)
            if token.type == tokenize.COMMENT
        ]
    except (tokenize.TokenError, SyntaxError):
        return None


def read_file(path):
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
        tree = ast.parse(source, filename=path)
    except SyntaxError as error:
        return {"parseError": {"message": error.msg, "line": error.lineno or 1, "column": error.offset or 1}}
    except (OSError, UnicodeDecodeError) as error:
        return {"parseError": {"message": str(error), "line": 1, "column": 1}}
    model = {"functions": {}, "operations": [], "sql": [], "live": False, "autocommit": False, "vars": {}, "comments": comments_of(source)}
    schema_functions.clear()
    string_constants.clear()
    collect_constants(tree.body, string_constants)
    helpers = [stmt for stmt in tree.body if isinstance(stmt, ast.FunctionDef) and stmt.name not in ("upgrade", "downgrade")]
    # Twice: a helper may call another helper.
    for _ in range(2):
        schema_functions.update(f.name for f in helpers if reads_schema(f, set()))
    for stmt in tree.body:
        targets = []
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision", "branch_labels", "depends_on"):
                model["vars"][target.id] = {"value": as_list(literal(value)), "line": stmt.lineno}
        if isinstance(stmt, ast.FunctionDef) and stmt.name in ("upgrade", "downgrade"):
            direction = "up" if stmt.name == "upgrade" else "down"
            reader = FunctionReader(direction, source.splitlines())
            reader.read(stmt)
            model["functions"][direction] = {"line": stmt.lineno, "column": stmt.col_offset + 1, "empty": is_empty_body(stmt.body)}
            model["operations"] += reader.operations
            model["sql"] += reader.sql
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            owner, name = call_name(node)
            if name in LIVE_CALLS and (owner in ("op", "sa", "sqlalchemy", None) or name == "run_async"):
                model["live"] = True
            if name == "autocommit_block":
                model["autocommit"] = True
    return model


def command_read(request):
    return {"alembic": alembic_support(), "files": {path: read_file(path) for path in request["files"]}}


# ---------------------------------------------------------------- running revisions

def load_revision(path, cache={}):
    if path not in cache:
        from alembic.util.pyfiles import load_module_py
        name = "rollsafe_revision_" + str(len(cache))
        cache[path] = load_module_py(name, path)
    return cache[path]


def line_in(path, frames):
    """The last frame of the revision file: the op.* call that sent the statement."""
    line = None
    real = os.path.realpath(path)
    for frame in frames:
        if os.path.realpath(frame.filename) == real:
            line = frame.lineno
    return line


def failure(path, error):
    line = line_in(path, traceback.extract_tb(error.__traceback__))
    original = getattr(error, "orig", None)
    message = str(original if original is not None else error).strip().splitlines()
    return {"message": (message[0] if message else type(error).__name__), "line": line, "type": type(error).__name__}


def live_functions(path):
    """upgrade/downgrade that read the database (op.get_bind(), op.get_context(), an inspector), directly or through a module helper."""
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read(), filename=path)
    except (OSError, SyntaxError, UnicodeDecodeError):
        return set()
    functions = {stmt.name: stmt for stmt in tree.body if isinstance(stmt, ast.FunctionDef)}
    live = set()
    for _ in range(3):
        for name, fn in functions.items():
            for node in ast.walk(fn):
                if isinstance(node, ast.Call) and (call_name(node)[1] in LIVE_CALLS or call_name(node)[1] in live):
                    live.add(name)
    return live


def command_offline(request):
    """Each revision's SQL, per direction, each statement with the line of the op.* call that made it."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    out = {}
    for path in request["files"]:
        result = {}
        live = live_functions(path)
        for direction, fn_name in (("up", "upgrade"), ("down", "downgrade")):
            statements = []
            if fn_name in live:
                result[direction] = {"live": True}
                continue
            try:
                module = load_revision(path)
                fn = getattr(module, fn_name, None)
                if fn is None:
                    continue
                context = MigrationContext.configure(
                    dialect_name="postgresql",
                    opts={"as_sql": True, "output_buffer": io.StringIO(), "literal_binds": True, "transactional_ddl": False},
                )

                def record(text, frames_of=traceback.extract_stack):
                    text = text.strip()
                    if text.endswith(";"):
                        text = text[:-1].rstrip()
                    if text:
                        statements.append({"sql": text, "line": line_in(path, frames_of())})

                context.impl.static_output = record
                with Operations.context(context):
                    fn()
                result[direction] = {"statements": statements}
            except BaseException as error:  # noqa: BLE001 - any failure means: run it online
                result[direction] = {"error": failure(path, error)}
        out[path] = result
    return {"files": out}


class ProxyError(Exception):
    pass


def make_dbapi(channel):
    """A PEP 249 module whose one connection sends each statement to rollsafe's engine and waits for the rows."""
    import types

    dbapi = types.ModuleType("rollsafe_dbapi")
    dbapi.paramstyle = "numeric_dollar"
    dbapi.apilevel = "2.0"
    dbapi.threadsafety = 1
    for name in ("Warning", "Error", "InterfaceError", "DatabaseError", "DataError", "OperationalError",
                 "IntegrityError", "InternalError", "ProgrammingError", "NotSupportedError"):
        setattr(dbapi, name, ProxyError)

    class Cursor:
        arraysize = 1

        def __init__(self, connection):
            self.connection = connection
            self.description = None
            self.rowcount = -1
            self._rows = []

        def execute(self, sql, params=None):
            self.connection._begin_if_needed()
            reply = channel({"query": sql, "params": list(params) if params else []})
            fields = reply.get("fields") or []
            self.description = [(f, 25, None, None, None, None, None) for f in fields] if fields else None
            self._rows = [tuple(row) for row in reply.get("rows", [])]
            self.rowcount = reply.get("rowCount", -1)

        def executemany(self, sql, seq):
            for params in seq:
                self.execute(sql, params)

        def fetchone(self):
            return self._rows.pop(0) if self._rows else None

        def fetchmany(self, size=None):
            size = size or self.arraysize
            rows, self._rows = self._rows[:size], self._rows[size:]
            return rows

        def fetchall(self):
            rows, self._rows = self._rows, []
            return rows

        def close(self):
            self._rows = []

        def setinputsizes(self, *args):
            pass

        def setoutputsize(self, *args):
            pass

    class Connection:
        def __init__(self):
            self.autocommit = False
            self.in_transaction = False

        def _begin_if_needed(self):
            if not self.autocommit and not self.in_transaction:
                self.in_transaction = True
                channel({"query": "BEGIN", "params": []})

        def cursor(self):
            return Cursor(self)

        def commit(self):
            if self.in_transaction:
                self.in_transaction = False
                channel({"query": "COMMIT", "params": []})

        def rollback(self):
            if self.in_transaction:
                self.in_transaction = False
                channel({"query": "ROLLBACK", "params": []})

        def close(self):
            self.rollback()

    dbapi.connect = lambda *args, **kwargs: Connection()
    return dbapi


def make_engine(channel):
    from sqlalchemy import create_engine, pool
    from sqlalchemy.dialects import registry
    from sqlalchemy.dialects.postgresql.base import PGDialect
    from sqlalchemy.dialects.postgresql.pg8000 import PGDialect_pg8000
    from sqlalchemy.dialects.postgresql import JSONB
    from sqlalchemy.engine.interfaces import BindTyping
    from sqlalchemy.sql import sqltypes

    dbapi = make_dbapi(channel)

    # rollsafe's engines answer JSON columns already parsed.
    class ParsedJSON(sqltypes.JSON):
        render_bind_cast = True

        def result_processor(self, dialect, coltype):
            return None

    class ParsedJSONB(JSONB):
        render_bind_cast = True

        def result_processor(self, dialect, coltype):
            return None

    class RollsafeDialect(PGDialect):
        driver = "rollsafe"
        supports_statement_cache = False
        default_paramstyle = "numeric_dollar"
        supports_native_boolean = True
        # Parameters travel as JSON, untyped: `$1::VARCHAR` casts tell Postgres their types (as pg8000's types do).
        bind_typing = BindTyping.RENDER_CASTS
        colspecs = {**PGDialect_pg8000.colspecs, sqltypes.JSON: ParsedJSON, JSONB: ParsedJSONB}

        @classmethod
        def import_dbapi(cls):
            return dbapi

        def create_connect_args(self, url):
            return [], {}

        def _get_server_version_info(self, connection):
            return (16, 0)

        def _get_default_schema_name(self, connection):
            return "public"

        def _set_backslash_escapes(self, connection):
            self._backslash_escapes = False

        def get_isolation_level(self, dbapi_connection):
            return "AUTOCOMMIT" if dbapi_connection.autocommit else "READ COMMITTED"

        def get_default_isolation_level(self, dbapi_connection):
            return "READ COMMITTED"

        def set_isolation_level(self, dbapi_connection, level):
            if level == "AUTOCOMMIT":
                dbapi_connection.commit()
            dbapi_connection.autocommit = level == "AUTOCOMMIT"

        def get_isolation_level_values(self, dbapi_connection):
            return ["AUTOCOMMIT", "READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE", "READ UNCOMMITTED"]

        def do_ping(self, dbapi_connection):
            return True

    registry.impls["postgresql.rollsafe"] = lambda: RollsafeDialect
    return create_engine("postgresql+rollsafe://", poolclass=pool.StaticPool)


def command_serve(_request, stdin, stdout):
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    def send(message):
        stdout.write(json.dumps(message, default=str) + "\n")
        stdout.flush()

    def channel(query):
        send(query)
        reply = json.loads(stdin.readline())
        if "error" in reply:
            raise ProxyError(reply["error"])
        return reply

    engine = make_engine(channel)
    send({"ready": True})
    for line in stdin:
        request = json.loads(line)
        path, direction = request["path"], request["direction"]
        try:
            fn = getattr(load_revision(path), "upgrade" if direction == "up" else "downgrade")
            with engine.connect() as connection:
                context = MigrationContext.configure(connection=connection)
                with context.begin_transaction():
                    with Operations.context(context):
                        fn()
                connection.commit()
            send({"done": True})
        except BaseException as error:  # noqa: BLE001 - reported to rollsafe as the step's failure
            send({"failed": failure(path, error)})


def main():
    command = sys.argv[1]
    # The project's own modules (models imported by revisions), as alembic's prepend_sys_path does.
    for entry in reversed(json.loads(os.environ.get("ROLLSAFE_SYS_PATH", "[]"))):
        sys.path.insert(0, entry)
    if command == "serve":
        # Statements and replies share stdout: everything the revision prints goes to stderr.
        stdout = sys.stdout
        sys.stdout = sys.stderr
        command_serve(None, sys.stdin, stdout)
        return
    request = json.load(sys.stdin)
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    reply = command_read(request) if command == "read" else command_offline(request)
    real_stdout.write(json.dumps(reply, default=str))


if __name__ == "__main__":
    main()
