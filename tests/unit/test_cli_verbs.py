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


def test_brief_verbs_skip_collection_passes_and_give_them_back(capsys) -> None:
    import gc

    from scheduler.cli import gcpolicy
    from scheduler.cli import main as cli_main
    from tests.conftest import SAMPLE_CATALOGUE

    # GIVEN the verbs that run without collection passes: each is a real verb, none runs
    # for long
    assert set(BY_NAME) >= cli_main._BRIEF_VERBS
    assert not cli_main._BRIEF_VERBS & {"local", "ui", "logs", "run"}
    # WHEN one runs in this process (its run() observed as it is called)
    during = []

    def observe(frame, event, _arg):
        code = frame.f_code
        if event == "call" and code.co_name == "run" and code.co_filename.endswith("validate.py"):
            during.append(gc.get_threshold())

    gc.set_threshold(700, 10, 10)
    sys.setprofile(observe)
    try:
        code = main(["validate", "-f", str(SAMPLE_CATALOGUE)])
    finally:
        sys.setprofile(None)
    # THEN it succeeds, running at the high threshold
    assert code == 0
    assert during == [(gcpolicy.BRIEF_GEN0, 50, 50)]
    # AND the process gets the CLI's usual threshold back afterwards, with what the
    # command made already counted as old (no pass over it pending on the way out)
    assert gc.get_threshold() == gcpolicy.USUAL
    assert gc.get_count()[0] < 1_000
    capsys.readouterr()
