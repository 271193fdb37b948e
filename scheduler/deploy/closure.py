"""Which source files a function needs: the worker's and its handler's import closure.

A job's zip holds what ``scheduler.worker.entry`` imports from the platform and what the
job's handler module imports from the project beside jobs.yaml, followed transitively,
and nothing else: another job's new module then leaves this job's bytes (and its Lambda
``CodeSha256``) unchanged, and the package is a fraction of the whole platform (the CLI,
the local emulator and the web UI never run on Lambda).

Every import statement counts, wherever it sits (inside a function, under ``try``, under
``if TYPE_CHECKING``): packaging one module too many costs a few KB, one too few costs
every run. Non-Python files under a handler's top-level package travel too (a handler may
read its own templates or data); the platform needs none. Imports that resolve outside
the two trees (standard library, boto3, the Powertools layer, requirements.txt's
distributions) are not this module's business. Pure file-system reads: no AWS, no boto3,
and no user code is run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from scheduler.catalogue.handlers import module_file, parse_module
from scheduler.catalogue.imports import statement_imports

WORKER_ENTRY = "scheduler.worker.entry"

# (module, its file, whether it is a package's __init__) -> the absolute names it imports.
ImportsOf = Callable[[str, Path, bool], Iterable[str]]


def file_imports(module: str, path: Path, is_package: bool) -> tuple[str, ...]:
    """Every name ``path`` imports (``imported_names``); none when it cannot be read or
    parsed (validate reports an unreadable handler; the file itself still ships)."""
    try:
        tree = parse_module(path)
    except (SyntaxError, ValueError, OSError, UnicodeDecodeError):
        return ()
    return tuple(dict.fromkeys(imported_names(tree, module, is_package)))


class ModuleFiles:
    """Where modules' files are (``handlers.module_file``), each looked up once: the
    closures of a stage's handler modules all hold the worker's hundred-odd modules, and
    each lookup stats a file per parent package. Keep one for one packaging run only (a
    file created later would not be seen)."""

    def __init__(self) -> None:
        self._files: dict[tuple[Path, str], Path | None] = {}
        self._inits: dict[tuple[Path, str], Path] = {}

    def module(self, root: Path, module: str) -> Path | None:
        key = (root, module)
        if key not in self._files:
            self._files[key] = module_file(root, module)
        return self._files[key]

    def package_init(self, root: Path, package: str) -> Path:
        """``<root>/<package as folders>/__init__.py``."""
        key = (root, package)
        init = self._inits.get(key)
        if init is None:
            init = self._inits[key] = root.joinpath(*package.split(".")) / "__init__.py"
        return init


def import_closure(
    roots: dict[str, Path],
    modules: Iterable[str],
    imports: ImportsOf | None = None,
    files: ModuleFiles | None = None,
) -> dict[str, Path]:
    """Archive name -> file of every module reachable from ``modules``.

    ``roots`` maps a top-level package or module name to the folder that holds it; an
    import whose top-level name is not a key is outside (stdlib, runtime, requirements).
    Each module's parent packages' ``__init__.py`` files are included, as importing it
    runs them. ``imports`` reads one module's imports (default ``file_imports``; the
    plan's build cache remembers them by file content). ``files``: lookups shared with
    other closures of the same run.
    """
    imports_of = imports or file_imports
    files = files if files is not None else ModuleFiles()
    out: dict[str, Path] = {}
    seen: set[str] = set()
    queue = list(modules)
    while queue:
        module = queue.pop()
        if module in seen:
            continue
        seen.add(module)
        root = roots.get(module.split(".")[0])
        if root is None:
            continue
        path = files.module(root, module)
        if path is None:
            continue  # ``from pkg import name``: ``pkg.name`` is an attribute, not a module
        parts = module.split(".")
        for depth in range(1, len(parts)):
            package = ".".join(parts[:depth])
            out["/".join(parts[:depth]) + "/__init__.py"] = files.package_init(root, package)
            queue.append(package)
        out[path.relative_to(root).as_posix()] = path
        for name in imports_of(module, path, path.name == "__init__.py"):
            if name.split(".")[0] in roots:
                queue.extend(_prefixes(name))
    return out


def imported_names(tree: ast.Module, module: str, is_package: bool) -> Iterator[str]:
    """Absolute dotted names of every import in ``tree`` (``from a import b`` gives ``a``
    and ``a.b``, since ``b`` may be a submodule)."""
    for node in ast.walk(tree):
        yield from statement_imports(node, module, is_package)


def data_files(
    package_dir: Path, arc_prefix: str, skip: Iterable[str]
) -> Iterator[tuple[str, Path]]:
    """Non-Python files under a handler's package folder, as (archive name, path)."""
    skipped = set(skip)
    for path in sorted(package_dir.rglob("*")):
        relative = path.relative_to(package_dir)
        if any(part in skipped or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and path.suffix not in (".py", ".pyc", ".pyo"):
            yield f"{arc_prefix}/{relative.as_posix()}", path


def _prefixes(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
