"""The verb registry: complete, and `cronbridge --help` imports no verb module."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import scheduler.cli
from scheduler.cli.main import build_parser, main
from scheduler.cli.verbs import BY_NAME, VERBS


def test_every_verb_module_is_registered_once() -> None:
    # GIVEN every module of scheduler.cli that defines a verb (configure + run)
    verb_modules = set()
    for info in pkgutil.iter_modules(scheduler.cli.__path__):
        module = importlib.import_module(f"scheduler.cli.{info.name}")
        if callable(getattr(module, "configure", None)) and callable(getattr(module, "run", None)):
            verb_modules.add(module.__name__)
    # THEN the registry names each exactly once, under a unique verb name
    assert sorted(v.module for v in VERBS) == sorted(verb_modules)
    assert len(BY_NAME) == len(VERBS)


def test_top_level_help_imports_no_verb_module() -> None:
    # GIVEN a fresh interpreter WHEN it prints `cronbridge --help`
    code = (
        "import io, json, sys\n"
        "from scheduler.cli.main import main\n"
        "out, sys.stdout = sys.stdout, io.StringIO()\n"
        "code = main(['--help'])\n"
        "text, sys.stdout = sys.stdout.getvalue(), out\n"
        "print(json.dumps({'code': code, 'help': text, 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    # THEN it succeeds, lists every verb, and loaded none of their modules (nor boto3/yaml)
    assert report["code"] == 0
    for verb in VERBS:
        assert f"    {verb.name} " in report["help"]
    loaded = set(report["modules"])
    assert not loaded & {v.module for v in VERBS}
    assert not loaded & {"boto3", "botocore", "yaml", "pydantic", "croniter"}


@pytest.mark.parametrize("verb", [v.name for v in VERBS])
def test_each_verb_builds_its_own_parser(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the parser built for one verb
    _, modules = build_parser(only=verb)
    # THEN only that verb's module was needed
    assert list(modules) == [verb]
    # AND its own --help works and opens with the registry's help line
    assert main([verb, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: cronbridge {verb}")
    assert " ".join(BY_NAME[verb].help.split()[:4]) in " ".join(out.split())
