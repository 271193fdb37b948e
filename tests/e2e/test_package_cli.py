"""End to end: `cronbridge package --format cloudformation -o DIR` as a user runs it."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from scheduler.cli.main import main
from scheduler.deploy.zipbuild import code_sha256
from tests.conftest import REPO_ROOT, SAMPLE_CATALOGUE

JSON_KEYS = {
    "format",
    "stage",
    "template",
    "bucket_template",
    "bucket_stack_name",
    "bucket_name",
    "code",
    "code_sha256",
    "code_s3_key",
    "stack_name",
    "jobs",
    "resources",
    "template_bytes",
}


def _package(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["package", "-f", str(SAMPLE_CATALOGUE), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_package_writes_template_and_zip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the sample catalogue
    out_dir = tmp_path / "out"
    # WHEN packaged for prod, as JSON
    code, out, err = _package(
        capsys, "--format", "cloudformation", "-o", str(out_dir), "--stage", "prod", "--json"
    )
    # THEN it succeeds, the JSON keys are pinned, and progress went to stderr
    assert code == 0, err
    data = json.loads(out)
    assert set(data) == JSON_KEYS
    assert data["stage"] == "prod" and data["stack_name"] == "cronbridge-prod"
    assert "packaging code" in err
    # AND the zip on disk is the one the template names, holding platform and handlers
    zip_bytes = (out_dir / "code.zip").read_bytes()
    assert code_sha256(zip_bytes) == data["code_sha256"]
    names = zipfile.ZipFile(io.BytesIO(zip_bytes)).namelist()
    assert "scheduler/contract.py" in names
    assert "jobs/reports.py" in names
    assert not [n for n in names if "__pycache__" in n]
    # AND the template names the prod resources and the zip's content-addressed key in the
    # code bucket, whose own stack is written beside it and exports the bucket's name
    template = json.loads((out_dir / "template.json").read_text())
    bucket = json.loads((out_dir / "code-bucket.json").read_text())
    assert data["code_s3_key"] == f"code/{hashlib.sha256(zip_bytes).hexdigest()}.zip"
    export = bucket["Outputs"]["CodeBucketName"]["Export"]["Name"]
    assert export == "cronbridge-prod-code-bucket"
    assert data["bucket_stack_name"] == "cronbridge-prod-code"
    code_refs = {
        json.dumps(r["Properties"]["Code"], sort_keys=True)
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    }
    assert code_refs == {
        json.dumps(
            {"S3Bucket": {"Fn::ImportValue": export}, "S3Key": data["code_s3_key"]},
            sort_keys=True,
        )
    }
    assert template["Metadata"]["cronbridge"]["code_sha256"] == data["code_sha256"]
    functions = [
        r["Properties"]["FunctionName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    assert "cronbridge-prod-nightly-report" in functions
    assert data["resources"] == len(template["Resources"])


def test_package_twice_gives_identical_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN two packagings of the same sources
    for name in ("a", "b"):
        assert _package(capsys, "-o", str(tmp_path / name))[0] == 0
    # THEN the zip and the template are byte-identical
    for file in ("code.zip", "template.json", "code-bucket.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


def test_yaml_template_matches_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _package(capsys, "-o", str(tmp_path / "j"))[0] == 0
    assert _package(capsys, "-o", str(tmp_path / "y"), "--template-format", "yaml")[0] == 0
    text = (tmp_path / "y" / "template.yaml").read_text()
    assert "&id" not in text  # no YAML anchors: CloudFormation rejects them
    assert yaml.safe_load(text) == json.loads((tmp_path / "j" / "template.json").read_text())


def test_output_that_is_a_file_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN -o naming an existing file
    target = tmp_path / "taken"
    target.write_text("x")
    # WHEN packaging THEN exit 1 with one error line and a hint, no traceback
    code, _, err = _package(capsys, "-o", str(target))
    assert code == 1
    assert err.splitlines()[-2:][0].startswith("error: -o ")
    assert "Traceback" not in err


def test_bad_stage_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _package(capsys, "-o", str(tmp_path / "o"), "--stage", "Prod!")
    assert code == 1 and "error: --stage" in err


def test_unknown_format_is_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _package(capsys, "-o", str(tmp_path / "o"), "--format", "terraform")
    assert code == 1 and "invalid choice" in err


def test_package_as_a_subprocess(tmp_path: Path) -> None:
    # The real entry point, in a clean process, with no AWS configuration at all
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scheduler",
            "package",
            "-f",
            str(SAMPLE_CATALOGUE),
            "-o",
            str(tmp_path / "out"),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "AWS_CONFIG_FILE": "/nonexistent"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "aws cloudformation deploy" in proc.stdout
    assert "--s3-bucket" in proc.stdout  # templates near 51,200 bytes cannot go inline
    # AND the code bucket's stack comes first, then the zip is copied into it
    lines = proc.stdout.splitlines()
    first = next(i for i, line in enumerate(lines) if "code-bucket.json --stack-name" in line)
    copy = next(i for i, line in enumerate(lines) if "aws s3 cp" in line)
    stage = next(i for i, line in enumerate(lines) if "template.json --stack-name" in line)
    assert first < copy < stage
    assert (tmp_path / "out" / "template.json").is_file()


def test_too_many_resources_for_one_stack_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN 130 jobs: 4 resources each plus the shared ones is over CloudFormation's 500
    (tmp_path / "tasks.py").write_text("def ping(payload, ctx):\n    return None\n")
    jobs = "".join(
        f"  job-{i}: {{schedule: '@hourly', handler: 'tasks:ping'}}\n" for i in range(130)
    )
    catalogue = tmp_path / "jobs.yaml"
    catalogue.write_text("version: 1\njobs:\n" + jobs)
    # WHEN packaged THEN one clear error, and nothing half-written
    code = main(["package", "-f", str(catalogue), "-o", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "at most 500 per stack" in err and "hint: deploy this catalogue" in err
    assert not (tmp_path / "out" / "template.json").exists()
