"""``cronbridge schema``: the JSON Schema of jobs.yaml, for editors (yaml-language-server)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from scheduler.catalogue import CatalogueFile
from scheduler.cli.output import Result


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default=None, help="write to this file instead")


def catalogue_schema() -> dict[str, Any]:
    schema = CatalogueFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    # Job names are the keys of `jobs`; the same rule the loader enforces.
    schema["properties"]["jobs"]["propertyNames"] = {
        "pattern": "^[a-z](?:[a-z0-9-]*[a-z0-9])?$",
        "maxLength": 38,
    }
    return schema


def run(args: argparse.Namespace) -> Result:
    schema = catalogue_schema()
    text = json.dumps(schema, indent=2) + "\n"
    if args.output:
        from pathlib import Path

        target = Path(args.output)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return Result({"written": str(target)}, f"wrote {target}")
    return Result(schema, text)
