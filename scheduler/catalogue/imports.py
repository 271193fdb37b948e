"""Which modules a job's handler imports that the Lambda function will not have.

The function's zip holds the platform, the handlers' top-level packages and what
``requirements.txt`` installs; the runtime adds the standard library and boto3/botocore,
and the public Powertools layer adds ``aws_lambda_powertools``. An import of anything else
works on the developer's machine and fails on every attempt on AWS, so ``validate`` warns.

It is a warning, not an error: this reads source with ``ast`` and never runs user code or
pip, so it cannot know every distribution's import names (``requirements.txt`` says
``beautifulsoup4``, the code says ``bs4``), nor a layer the team adds by hand. Imports a
module guards (``try: ... except ImportError``, ``if TYPE_CHECKING:``) are skipped: the
code copes without them. The scan follows the handler's imports through the project's own
modules beside jobs.yaml, since those travel in the zip with it. Pure: no AWS.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scheduler.catalogue.handlers import module_file, parse_module
from scheduler.catalogue.requirements import REQUIREMENTS_FILE, read_requirements

# Present in the Lambda Python runtime besides the standard library. AWS documents boto3
# (with botocore) as included; https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html
RUNTIME_MODULES = frozenset({"boto3", "botocore"})
# The public Powertools layer every job function gets (scheduler.deploy.zipbuild).
LAYER_MODULES = frozenset({"aws_lambda_powertools"})
PLATFORM_PACKAGE = "scheduler"  # always bundled: the worker itself
# In the standard library here but removed by Python 3.12, the functions' runtime
# (PEP 594 and PEP 632): works on an older local interpreter, fails on Lambda.
REMOVED_IN_RUNTIME = frozenset({"asynchat", "asyncore", "distutils", "imp", "smtpd"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


@dataclass(frozen=True)
class MissingImport:
    module: str  # the top-level name imported
    source: Path  # the file that imports it
    line: int
    reason: str  # why the function will not have it


def missing_imports(
    root: Path, handler_module: str, packaged: frozenset[str]
) -> list[MissingImport]:
    """Imports reachable from ``handler_module`` that the function will lack.

    ``packaged`` are the top-level packages the zip bundles (the handlers' own).
    """
    requirements = read_requirements(root)
    installed = requirements.import_names() if requirements else frozenset()
    stdlib = frozenset(sys.stdlib_module_names) - REMOVED_IN_RUNTIME
    available = stdlib | RUNTIME_MODULES | LAYER_MODULES | installed | {PLATFORM_PACKAGE}
    found: dict[str, MissingImport] = {}
    seen: set[str] = set()
    queue = [handler_module]
    while queue:
        module = queue.pop()
        if module in seen:
            continue
        seen.add(module)
        path = module_file(root, module)
        if path is None:
            continue
        try:
            tree = parse_module(path)
        except (SyntaxError, OSError, UnicodeDecodeError):
            continue  # the handler check reports an unreadable handler module
        is_package = path.name == "__init__.py"
        for name, line in _imports(tree, module, is_package):
            top = name.split(".")[0]
            if _is_local(root, top):
                if top not in packaged and top != PLATFORM_PACKAGE:
                    found.setdefault(
                        top,
                        MissingImport(
                            top,
                            path,
                            line,
                            "is beside jobs.yaml but no handler lives in it, so it is not packaged",
                        ),
                    )
                queue.extend(_candidates(name))
                continue
            if top in REMOVED_IN_RUNTIME:
                reason = "was removed from the standard library in Python 3.12 (the runtime)"
            elif top in available:
                continue
            elif requirements is None:
                reason = f"is not in the Lambda runtime and there is no {REQUIREMENTS_FILE}"
            else:
                reason = f"is not in the Lambda runtime nor in {REQUIREMENTS_FILE}"
            found.setdefault(top, MissingImport(top, path, line, reason))
    return sorted(found.values(), key=lambda m: (str(m.source), m.line, m.module))


def _is_local(root: Path, top: str) -> bool:
    return (root / top).is_dir() or (root / f"{top}.py").is_file()


def _candidates(name: str) -> list[str]:
    """``a.b.c`` may be module ``a.b.c`` or a name in ``a.b``: follow every prefix."""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _imports(tree: ast.Module, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """(absolute module name, line) of every unguarded import in ``tree``."""
    for node in _unguarded(tree.body):
        for name in statement_imports(node, module, is_package):
            yield name, node.lineno


def statement_imports(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """Absolute dotted names one statement of ``module`` imports (none if it is not an
    import): ``from a import b`` gives ``a`` and ``a.b``, since ``b`` may be a submodule.
    Shared with the package builder's closure walk, so both resolve relative imports alike."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level == 0:
        base = node.module or ""
    else:
        package = module.split(".") if is_package else module.split(".")[:-1]
        keep = len(package) - (node.level - 1)
        if keep <= 0:
            return []  # beyond the top-level package: Python refuses it too
        base = ".".join([*package[:keep], *([node.module] if node.module else [])])
    if not base:
        return []
    return [base, *(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")]


def _unguarded(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones too, except those under an ImportError guard or under
    ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers):
            # The try body may fail to import: the code copes. The rest must import.
            for handler in node.handlers:
                yield from _unguarded(handler.body)
            yield from _unguarded(node.orelse)
            yield from _unguarded(node.finalbody)
            continue
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _unguarded(node.orelse)
            continue
        yield node
        for field in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                stmts = [c for c in children if isinstance(c, ast.stmt)]
                handlers = [c for c in children if isinstance(c, ast.ExceptHandler)]
                yield from _unguarded(stmts)
                for handler in handlers:
                    yield from _unguarded(handler.body)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _IMPORT_ERRORS for t in types)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def import_warnings(catalogue: Any, path: Path) -> list[dict[str, Any]]:
    """``validate`` warnings (its warning shape) for every job's missing imports; a module
    that several jobs reach is reported once, for the first job."""
    packaged = frozenset(catalogue.top_level_packages())
    root = Path(catalogue.root)
    reported: set[tuple[Path, str]] = set()
    out: list[dict[str, Any]] = []
    # Many jobs share a handler module; its reachable imports are the same for each.
    by_module: dict[str, list[MissingImport]] = {}
    for job in catalogue.jobs.values():
        module = job.handler_module
        if module not in by_module:
            by_module[module] = missing_imports(root, module, packaged)
        for miss in by_module[module]:
            if (miss.source, miss.module) in reported:
                continue
            reported.add((miss.source, miss.module))
            where = miss.source.relative_to(root).as_posix()
            out.append(
                {
                    "file": str(path),
                    "job": job.name,
                    "field": "handler",
                    "message": f"{where}:{miss.line} imports {miss.module!r}, which "
                    f"{miss.reason}: on AWS every attempt would fail",
                    "hint": _hint(miss),
                }
            )
    return out


def _hint(miss: MissingImport) -> str:
    if miss.module in REMOVED_IN_RUNTIME:
        return "use its replacement (setuptools for distutils, importlib for imp, asyncio)"
    if "not packaged" in miss.reason:
        return "move it into a handler's package (e.g. under jobs/), which is packaged"
    return (
        f"list its distribution in {REQUIREMENTS_FILE} beside jobs.yaml; deploy installs "
        "it for Lambda; ignore this if it is listed under another distribution name"
    )
