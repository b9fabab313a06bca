"""Mutation testing for the privacy- and statistics-critical modules (``make mutation``).

Each mutant is one small change to a module's source: an arithmetic or comparison
operator swapped, a boolean operator flipped, a ``not`` or unary minus dropped, a
number or ``True``/``False`` changed, a ``raise`` removed, an ``if`` guard skipped or a
``return`` value replaced by ``None``. Each is run against only the tests mapped to
its module (``MODULES`` below); a mutant is *killed* when a test fails (or the run
times out) and *survives* when every test still passes.

Every survivor must be listed in ``tests/mutation/survivors.md`` with a one-line
reason that it changes nothing observable; an unlisted survivor makes the run fail.

How a mutant is run, cheaply: the parent imports the module once; for every mutant a
forked child compiles the mutated function (or module-level assignment), swaps its
code object into the live function (so every ``from module import f`` elsewhere sees
the mutant too) and runs pytest in-process. There is no copy of the tree and no
re-import of heavy libraries per mutant.

Usage::

    python scripts/mutation.py                      # every module in MODULES
    python scripts/mutation.py peerbench/stats/funnel.py
    python scripts/mutation.py --list peerbench/stats/funnel.py   # mutants, not run
"""

from __future__ import annotations

import argparse
import ast
import copy
import dataclasses
import importlib
import inspect
import os
import signal
import sys
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SURVIVORS = ROOT / "tests" / "mutation" / "survivors.md"

MODULES: dict[str, tuple[str, ...]] = {
    "peerbench/disclosure/primary.py": ("tests/disclosure/test_disclosure_primary.py",),
    "peerbench/disclosure/secondary.py": (
        "tests/disclosure/test_disclosure_secondary_pins.py",
        "tests/disclosure/test_disclosure_secondary.py",
    ),
    "peerbench/schema/pseudonym.py": ("tests/schema/test_pseudonym.py",),
    "peerbench/validators/identifiers.py": ("tests/validators/test_identifiers.py",),
    "peerbench/server/tenancy.py": ("tests/server/test_tenancy.py",),
    # tenancy.py's checks, agreements and keys, split out of it (the same tests kill them).
    "peerbench/server/tenancy_base.py": ("tests/server/test_tenancy.py",),
    "peerbench/server/tenancy_members.py": (
        "tests/server/test_tenancy.py",
        "tests/server/test_tenancy_agreements.py",
    ),
    "peerbench/server/tenancy_keys.py": ("tests/server/test_tenancy.py",),
    "peerbench/stats/funnel.py": ("tests/stats/test_stats_funnel.py",),
    "peerbench/stats/proportions.py": ("tests/stats/test_stats_proportions.py",),
    "peerbench/server/submissions.py": (
        "tests/server/test_submissions.py",
        "tests/server/test_submissions_lifecycle.py",
    ),
}
"""Each module and the only tests run against its mutants (its own test files)."""

THRESHOLD = 0.90
"""Smallest share of mutants killed that a module may have."""

BELOW_TARGET: dict[str, float] = {}
"""Modules held to a lower floor for now, with why (none at present: secondary suppression
reached the threshold once tables with unpublished margins were found to reach its fallback
and its tolerances were replaced by numpy's rank)."""


REPORT_ONLY: frozenset[str] = frozenset()
"""Modules whose score is measured and printed but not yet held to the threshold or to
the survivors list. Empty: submissions, the last one here, kills 72/72 with its lifecycle
tests (50/72 with tests/server/test_submissions.py alone, 2026-12-06)."""

_BINOPS: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.Mult,
    ast.Pow: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.MatMult: ast.Mult,
}
_CMPOPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}


@dataclasses.dataclass(frozen=True)
class Mutant:
    """One change: where (``scope`` is a top-level function, ``Class.method`` or
    ``<module>``), what (``key``, stable across unrelated edits) and the new code."""

    module: str
    scope: str
    line: int
    key: str
    tree: ast.stmt


def _is_docstring(node: ast.AST, parent: ast.AST | None) -> bool:
    body = getattr(parent, "body", None)
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        and isinstance(body, list)
        and bool(body)
        and body[0] is node
    )


def _variants(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """Mutated copies of ``node`` itself (not of its children), each with a label."""
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        yield ast.BinOp(node.left, _BINOPS[type(node.op)](), node.right), ""
    elif isinstance(node, ast.AugAssign) and type(node.op) in _BINOPS:
        yield ast.AugAssign(node.target, _BINOPS[type(node.op)](), node.value), ""
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            if type(op) in _CMPOPS:
                ops = list(node.ops)
                ops[i] = _CMPOPS[type(op)]()
                yield ast.Compare(node.left, ops, node.comparators), ""
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield ast.BoolOp(other, node.values), ""
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub, ast.Invert)):
        yield node.operand, ""
    elif isinstance(node, ast.Constant) and not isinstance(node.value, str):
        value = node.value
        if isinstance(value, bool):
            yield ast.Constant(not value), ""
        elif isinstance(value, int):
            yield ast.Constant(value + 1), ""
            if value != 0:
                yield ast.Constant(0), ""
        elif isinstance(value, float):
            yield ast.Constant(value * 2 if value else 1.0), ""
    elif isinstance(node, ast.Raise):
        yield ast.Pass(), "(removed)"
    elif isinstance(node, ast.If):
        yield ast.If(ast.Constant(False), node.body, node.orelse), "(guard skipped)"
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield ast.Return(ast.Constant(None)), ""
    elif isinstance(node, ast.Break):
        yield ast.Continue(), ""
    elif isinstance(node, ast.Continue):
        yield ast.Break(), ""


def _short(node: ast.AST) -> str:
    if isinstance(node, ast.If):
        return f"if {ast.unparse(node.test)}: …"
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= 120 else text[:117] + "…"


def _mutations_of(root: ast.stmt) -> Iterator[tuple[ast.stmt, int, str]]:
    """Every mutated copy of the statement ``root``: (new root, line, description)."""
    parents: dict[int, tuple[ast.AST, str, int | None]] = {}
    skip: set[int] = set()
    for parent in ast.walk(root):
        for field, value in ast.iter_fields(parent):
            children = value if isinstance(value, list) else [value]
            for index, child in enumerate(children):
                if isinstance(child, ast.AST):
                    parents[id(child)] = (parent, field, index if isinstance(value, list) else None)
                    if _is_docstring(child, parent):
                        skip.add(id(child))
        # Annotations, decorators and f-string parts are not behaviour under test.
        for attr in ("annotation", "returns"):
            sub = getattr(parent, attr, None)
            if isinstance(sub, ast.AST):
                skip.update(id(n) for n in ast.walk(sub))
        if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in parent.decorator_list:
                skip.update(id(n) for n in ast.walk(decorator))
        if isinstance(parent, ast.JoinedStr):
            skip.update(id(n) for n in ast.walk(parent) if n is not parent)
    for node in list(ast.walk(root)):
        if id(node) in skip or node is root:
            continue
        for replacement, label in _variants(node):
            description = f"{_short(node)} → {_short(replacement)}"
            if label:
                description = f"{_short(node)} {label}"
            parent, field, slot = parents[id(node)]
            original = getattr(parent, field)
            if slot is None:
                setattr(parent, field, replacement)
            else:
                original[slot] = replacement
            try:
                yield copy.deepcopy(root), getattr(node, "lineno", 0), description
            finally:
                if slot is None:
                    setattr(parent, field, original)
                else:
                    original[slot] = node


def mutants(module_path: str) -> list[Mutant]:
    """Every mutant of one module, in source order, with unique keys."""
    tree = ast.parse((ROOT / module_path).read_text(encoding="utf-8"))
    found: list[Mutant] = []
    seen: dict[str, int] = {}

    def add(scope: str, stmt: ast.stmt) -> None:
        for new, line, description in _mutations_of(stmt):
            key = f"{scope}: {description}"
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key} #{seen[key]}"
            found.append(Mutant(module_path, scope, line, key, new))

    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            add(stmt.name, stmt)
        elif isinstance(stmt, ast.ClassDef):
            for item in stmt.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    add(f"{stmt.name}.{item.name}", item)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and not _is_docstring(stmt, tree):
            add("<module>", stmt)
    return found


def _module_name(module_path: str) -> str:
    return module_path.removesuffix(".py").replace("/", ".")


def _strip(node: ast.stmt) -> ast.stmt:
    """A function definition without decorators or annotations (they are not mutated
    and would be evaluated out of their module's ``from __future__`` context)."""
    node = copy.deepcopy(node)
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        node.decorator_list = []
        node.returns = None
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            arg.annotation = None
        for extra in (node.args.vararg, node.args.kwarg):
            if extra is not None:
                extra.annotation = None
    return node


def _live_function(module: types.ModuleType, scope: str) -> types.FunctionType:
    owner: Any = module
    parts = scope.split(".")
    for part in parts[:-1]:
        owner = getattr(owner, part)
    raw = inspect.getattr_static(owner, parts[-1])
    if isinstance(raw, (staticmethod, classmethod)):
        raw = raw.__func__
    if isinstance(raw, property):
        raw = raw.fget
    function = inspect.unwrap(raw)
    assert isinstance(function, types.FunctionType), scope
    return function


def apply(mutant: Mutant) -> None:
    """Install ``mutant`` into the already imported module (in this process)."""
    module = importlib.import_module(_module_name(mutant.module))
    if mutant.scope == "<module>":
        code = compile(ast.fix_missing_locations(ast.Module([mutant.tree], [])), "<mutant>", "exec")
        exec(code, module.__dict__)
        return
    namespace = dict(module.__dict__)
    tree = ast.fix_missing_locations(ast.Module([_strip(mutant.tree)], []))
    exec(compile(tree, str(ROOT / mutant.module), "exec"), namespace)
    name = mutant.scope.split(".")[-1]
    new = namespace[name]
    live = _live_function(module, mutant.scope)
    live.__code__ = new.__code__
    live.__defaults__ = new.__defaults__
    live.__kwdefaults__ = new.__kwdefaults__


def _run_child(tests: tuple[str, ...], mutant: Mutant | None, timeout: float) -> str:
    """Fork, install the mutant, run the tests; "passed", "failed" or "timeout"."""
    pid = os.fork()
    if pid == 0:  # child
        status = 3
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            if mutant is not None:
                apply(mutant)
            import pytest

            args = ["-x", "-q", "-p", "no:cacheprovider", "--no-header", *tests]
            status = int(pytest.main(args))
        except BaseException:
            status = 4
        finally:
            os._exit(status)
    start = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "passed" if os.waitstatus_to_exitcode(status) == 0 else "failed"
        if time.monotonic() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout"
        time.sleep(0.02)


def listed_survivors(path: Path = SURVIVORS) -> dict[str, dict[str, str]]:
    """``{module: {mutant key: reason}}`` from the survivors file.

    Lines are ``- `key` — reason`` under a ``## module`` heading.
    """
    out: dict[str, dict[str, str]] = {}
    module = ""
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            module = line[3:].strip().strip("`")
            out.setdefault(module, {})
        elif line.startswith("- `") and "` — " in line:
            key, reason = line[3:].rsplit("` — ", 1)
            out.setdefault(module, {})[key] = reason.strip()
    return out


@dataclasses.dataclass
class Report:
    """The outcome for one module."""

    module: str
    total: int = 0
    killed: int = 0
    survivors: list[Mutant] = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        """Share of mutants killed."""
        return self.killed / self.total if self.total else 1.0


def _warm(tests: tuple[str, ...]) -> None:
    """Import pytest, its plugins, the conftests and the test modules once in this
    process, so each forked child only runs the tests (about ten times quicker)."""
    import pytest

    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", *tests])
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (devnull, *saved):
            os.close(fd)


def run_module(
    module_path: str,
    *,
    progress: Callable[[str], None] = print,
    limit: int | None = None,
    only: list[str] | None = None,
) -> Report:
    """Run every mutant of one module (or those keyed in ``only``) against its mapped tests."""
    tests = MODULES[module_path]
    importlib.import_module(_module_name(module_path))
    _warm(tests)
    report = Report(module_path)
    start = time.monotonic()
    baseline = _run_child(tests, None, timeout=600)
    if baseline != "passed":
        raise SystemExit(f"{module_path}: its tests do not pass unmutated ({baseline})")
    timeout = max(30.0, 5 * (time.monotonic() - start))
    todo = [m for m in mutants(module_path) if only is None or m.key in only][:limit]
    for n, mutant in enumerate(todo, 1):
        outcome = _run_child(tests, mutant, timeout)
        report.total += 1
        if outcome == "passed":
            report.survivors.append(mutant)
        else:
            report.killed += 1
        if outcome == "passed":
            progress(f"  [{n}/{len(todo)}] survived  line {mutant.line}: {mutant.key}")
    report.seconds = time.monotonic() - start
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the mutants; non-zero when a module is under the threshold or a survivor
    is not listed in the survivors file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="module paths (default: all in MODULES)")
    parser.add_argument("--list", action="store_true", help="print the mutants, do not run")
    parser.add_argument("--limit", type=int, default=None, help="run only the first N mutants")
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="KEY",
        help="run only the mutant with this key (repeatable), e.g. to recheck survivors",
    )
    args = parser.parse_args(argv)
    chosen = args.modules or list(MODULES)
    unknown = [m for m in chosen if m not in MODULES]
    if unknown:
        parser.error(f"not mapped to tests in MODULES: {', '.join(unknown)}")
    if args.list:
        for module_path in chosen:
            for mutant in mutants(module_path):
                print(f"{module_path}:{mutant.line}: {mutant.key}")
        return 0
    # Server tests run on SQLite, and on PostgreSQL only when PEERBENCH_TEST_POSTGRES_URL
    # is set; under CI a missing PostgreSQL would fail them, which is not a mutant's doing.
    os.environ.pop("CI", None)
    listed = listed_survivors()
    failed = False
    lines = []
    for module_path in chosen:
        print(f"{module_path}: running its mutants against {', '.join(MODULES[module_path])}")
        report = run_module(module_path, limit=args.limit, only=args.only)
        allowed = listed.get(module_path, {})
        unlisted = [m for m in report.survivors if m.key not in allowed]
        ran = set(allowed) if args.only is None else set(allowed) & set(args.only)
        stale = sorted(ran - {m.key for m in report.survivors})
        line = (
            f"{module_path}: {report.killed}/{report.total} killed ({report.score:.0%}), "
            f"{len(report.survivors)} survived ({len(report.survivors) - len(unlisted)} listed), "
            f"{report.seconds:.0f} s"
        )
        print(line)
        lines.append(line)
        for mutant in unlisted:
            print(f"  NEW SURVIVOR line {mutant.line}: - `{mutant.key}` — <reason>")
        for key in stale:
            print(f"  listed but now killed (remove it from {SURVIVORS.name}): {key}")
        if module_path in REPORT_ONLY:
            print("  (reported only: not held to the threshold or the survivors list)")
        elif unlisted or (
            report.score < BELOW_TARGET.get(module_path, THRESHOLD) and args.only is None
        ):
            failed = True
    print("\n".join(["", "Summary:", *lines]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    sys.exit(main())
