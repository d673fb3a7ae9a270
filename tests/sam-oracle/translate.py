"""Expands SAM templates with AWS's own translator (aws-sam-translator, PyPI), offline, for
tests/it/sam_oracle.rs: kmslint's findings on the expansion are compared with its findings
on the SAM source.

    python translate.py OUT_DIR FILE...

Each FILE is written to OUT_DIR/<its name>.json as the CloudFormation template SAM makes of
it, or, when the translator rejects it, OUT_DIR/<its name>.error with why. Managed policies
named by `Policies` are given the ARN of the AWS managed policy of that name (the translator
would ask IAM for them; this runs without credentials). Code in a local folder (`CodeUri:
src/`, which `sam package` uploads) and inline code are given an S3 location first, as
`sam package` would: the translator accepts nothing else, and where the code is bears on no
key.
"""

import datetime
import json
import logging
import os
import sys
from pathlib import Path

# The translator asks boto3 for a Region (for ARNs' partitions); no credentials are used.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
# The translator logs its metrics; they say nothing here.
logging.disable(logging.WARNING)

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


PACKAGED = "s3://bucket/key"

# The properties `sam package` rewrites to an S3 location, by resource type.
LOCAL = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
}


def undated(value):
    """`value` with YAML's dates (`Version: 2012-10-17` unquoted) as the strings written, as
    CloudFormation reads them."""
    if isinstance(value, dict):
        return {k: undated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [undated(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def packaged(template):
    """The template with local code and definitions as `sam package` leaves them."""
    function_globals = (template.get("Globals") or {}).get("Function") or {}
    if isinstance(function_globals.get("CodeUri"), str):
        function_globals["CodeUri"] = PACKAGED
    for resource in (template.get("Resources") or {}).values():
        if not isinstance(resource, dict):
            continue
        prop = LOCAL.get(resource.get("Type"))
        properties = resource.get("Properties")
        if prop is None or not isinstance(properties, dict):
            continue
        if properties.pop("InlineCode", None) is not None:
            properties["CodeUri"] = PACKAGED
        # Built by `sam build` from its Metadata: packaged too.
        if prop == "CodeUri" and "CodeUri" not in properties and "CodeUri" not in function_globals:
            if "ImageUri" not in properties and properties.get("PackageType") != "Image":
                properties["CodeUri"] = PACKAGED
        if isinstance(properties.get(prop), str) and not properties[prop].startswith("s3://"):
            properties[prop] = PACKAGED
    return template


class NamedPolicies:
    """Every managed policy name is the AWS managed policy of that name."""

    def load(self):
        return _AnyName()


class _AnyName(dict):
    def __contains__(self, name):
        return isinstance(name, str)

    def __getitem__(self, name):
        return f"arn:aws:iam::aws:policy/{name}"

    def get(self, name, default=None):
        return self[name] if isinstance(name, str) else default


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[2:]:
        path = Path(name)
        target = out / (path.name + ".json")
        try:
            template = packaged(undated(yaml_parse(path.read_text(encoding="utf-8"))))
            expanded = transform(template, {}, NamedPolicies())
            target.write_text(json.dumps(expanded, indent=1, default=str), encoding="utf-8")
        except InvalidDocumentException as e:
            why = "; ".join(str(c) for c in e.causes)
            (out / (path.name + ".error")).write_text(why, encoding="utf-8")
        except Exception as e:  # noqa: BLE001 - any failure is reported, not raised
            (out / (path.name + ".error")).write_text(f"{type(e).__name__}: {e}", encoding="utf-8")


if __name__ == "__main__":
    main()
