"""Check that a ``module:function`` handler exists, by reading source, never by running it.

Validation must not execute user code (a handler module may open connections at import),
so the module file is located beside jobs.yaml and parsed with ``ast``: the function
must be defined, assigned or imported at the module's top level. No AWS, no imports of
user code.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

HANDLER_RE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*$")


def handler_problem(root: Path, handler: str) -> tuple[str, str | None] | None:
    """(message, hint) when ``handler`` cannot be found under ``root``, else None."""
    if not HANDLER_RE.match(handler):
        return (
            f"{handler!r} is not module:function",
            "write it as dotted.module:function, e.g. jobs.reports:nightly",
        )
    module, _, function = handler.partition(":")
    source = module_file(root, module)
    if source is None:
        relative = module.replace(".", "/")
        return (
            f"module {module!r} not found beside the catalogue",
            f"expected {relative}.py or {relative}/__init__.py under {root}",
        )
    try:
        tree = parse_module(source)
    except SyntaxError as exc:
        return (f"{source.name}:{exc.lineno}: syntax error: {exc.msg}", None)
    except (OSError, UnicodeDecodeError) as exc:
        return (f"cannot read {source}: {exc}", None)
    if function not in _top_level_names(tree):
        return (
            f"module {module!r} has no top-level {function!r}",
            f"define `def {function}(payload, ctx):` in {source.relative_to(root)}",
        )
    return None


def parse_module(path: Path) -> ast.Module:
    """``path``'s syntax tree, parsed once per version of the file (its mtime and size).

    A 1,000-job catalogue names a handful of modules a thousand times; the checks only
    read the tree. Raises what reading and ``ast.parse`` raise (never cached).
    """
    stat = path.stat()
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _parse(path: Path, mtime_ns: int, size: int) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def module_file(root: Path, module: str) -> Path | None:
    parts = module.split(".")
    # Every parent must be a package, as the import system would require.
    for depth in range(1, len(parts)):
        if not (root.joinpath(*parts[:depth]) / "__init__.py").is_file():
            return None
    as_file = root.joinpath(*parts[:-1], parts[-1] + ".py")
    if as_file.is_file():
        return as_file
    as_package = root.joinpath(*parts) / "__init__.py"
    return as_package if as_package.is_file() else None


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names
