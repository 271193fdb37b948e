"""``cronbridge package --format cloudformation -o DIR``: export a stage as IaC, offline.

Compiles jobs.yaml into the same desired resources ``deploy`` applies, renders them as a
CloudFormation template (``scheduler.deploy.cloudformation``) and writes it beside the
deterministic code zip (``scheduler.deploy.zipbuild``), plus the stage's code bucket as a
stack of its own (``scheduler.deploy.cfn_code``: the functions' code must be in the bucket
before CloudFormation creates them). Makes no AWS calls: account and region become pseudo
parameters in the templates.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from scheduler import names
from scheduler.catalogue import load_catalogue
from scheduler.cli import common
from scheduler.cli.output import Result, progress
from scheduler.compile import compile_catalogue
from scheduler.deploy import cfn_code
from scheduler.deploy.cloudformation import (
    PLACEHOLDER_ACCOUNT_ID,
    PLACEHOLDER_REGION,
    render_template,
)
from scheduler.deploy.zipbuild import build_zip, code_sha256
from scheduler.errors import UsageError
from scheduler.resources.artifacts import code_key

FORMATS = ("cloudformation",)
CODE_FILE = "code.zip"

# CloudFormation quotas (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/
# cloudformation-limits.html): resources per template, and the template body size. Inline
# bodies are capped at 51,200 bytes (the sample is close), so the printed deploy command
# always passes --s3-bucket, which uploads the template first and lifts the cap to 1 MB.
MAX_RESOURCES = 500
MAX_S3_BYTES = 1_000_000


def configure(parser: argparse.ArgumentParser) -> None:
    common.add_file_arg(parser)
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="cloudformation",
        help="the IaC format to write (default: cloudformation)",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="DIR", help="folder to write into (created)"
    )
    parser.add_argument(
        "--stage",
        default=None,
        help=f"deployment stage, e.g. dev or prod (default: {names.DEFAULT_STAGE})",
    )
    parser.add_argument(
        "--template-format",
        choices=("json", "yaml"),
        default="json",
        help="write template.json (default) or template.yaml",
    )
    # Packaging is offline: never resolve a stage from a running local platform.
    parser.set_defaults(local=False)


def run(args: argparse.Namespace) -> Result:
    stage = common.resolve_stage(args)
    catalogue = load_catalogue(common.catalogue_path(args))
    state = compile_catalogue(
        catalogue, stage, account_id=PLACEHOLDER_ACCOUNT_ID, region=PLACEHOLDER_REGION
    )
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"-o {out}: exists and is not a folder", hint="pick a new folder name")
    out.mkdir(parents=True, exist_ok=True)

    progress(f"packaging code ({', '.join(('scheduler', *state.packages))})")
    # One zip for the stack's functions: the worker and every handler's import closure
    # (deploy gives each job its own; a template's functions share the one S3 object).
    code = build_zip(catalogue.root, sorted({j.handler_module for j in catalogue.jobs.values()}))
    sha = code_sha256(code)
    # The key is the content's hash, as deploy's: new code, new key, so CloudFormation sees
    # a change and updates the functions.
    key = code_key(sha)
    template = render_template(state, code_sha256=sha, code_key=key)
    body = _dump(template, args.template_format)
    _check_quotas(len(template["Resources"]), len(body.encode()), len(state.jobs))

    code_path = out / CODE_FILE
    code_path.write_bytes(code)
    template_path = out / f"template.{args.template_format}"
    template_path.write_text(body)
    bucket_path = out / f"code-bucket.{args.template_format}"
    bucket_path.write_text(_dump(cfn_code.bucket_template(state), args.template_format))

    stack = f"{state.prefix}-{stage}"
    data = {
        "format": args.format,
        "stage": stage,
        "template": str(template_path),
        "bucket_template": str(bucket_path),
        "bucket_stack_name": cfn_code.stack_name(state),
        "bucket_name": f"{state.prefix}-{stage}-ACCOUNT-REGION-code",
        "code": str(code_path),
        "code_sha256": sha,
        "code_s3_key": key,
        "stack_name": stack,
        "jobs": len(state.jobs),
        "resources": len(template["Resources"]),
        "template_bytes": len(body.encode()),
    }
    return Result(data, lambda: _render(data))


def _check_quotas(resources: int, size: int, jobs: int) -> None:
    if resources > MAX_RESOURCES:
        raise UsageError(
            f"the template would hold {resources} resources ({jobs} jobs); "
            f"CloudFormation allows at most {MAX_RESOURCES} per stack",
            hint="deploy this catalogue with `cronbridge deploy`, or split it into stages",
        )
    if size > MAX_S3_BYTES:
        raise UsageError(
            f"the template is {size} bytes; CloudFormation accepts at most {MAX_S3_BYTES}",
            hint="deploy this catalogue with `cronbridge deploy`, or split it into stages",
        )


def _dump(template: dict[str, Any], fmt: str) -> str:
    if fmt == "yaml":
        import yaml

        class _NoAliases(yaml.SafeDumper):
            # CloudFormation rejects YAML anchors/aliases (cfn-lint W1101); the template
            # shares dict objects (one retry policy, one tag set), so write every copy out.
            def ignore_aliases(self, data: Any) -> bool:
                return True

        # Long-form intrinsics ({"Fn::Sub": ...}) are plain mappings: no custom tags needed.
        return str(yaml.dump(template, Dumper=_NoAliases, sort_keys=False, width=100))
    return json.dumps(template, indent=2) + "\n"


def _render(data: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"wrote {data['template']} ({data['resources']} resources, {data['jobs']} jobs)",
            f"wrote {data['code']} (CodeSha256 {data['code_sha256']})",
            f"wrote {data['bucket_template']} (the code bucket, a stack of its own)",
            "next (ACCOUNT and REGION: where the stack goes):",
            f"  aws cloudformation deploy --template-file {data['bucket_template']} "
            f"--stack-name {data['bucket_stack_name']}",
            f"  aws s3 cp {data['code']} s3://{data['bucket_name']}/{data['code_s3_key']}",
            f"  aws cloudformation deploy --template-file {data['template']} "
            f"--stack-name {data['stack_name']} --capabilities CAPABILITY_NAMED_IAM "
            f"--s3-bucket {data['bucket_name']}",
        ]
    )
