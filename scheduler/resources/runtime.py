"""What every job function runs on: the Lambda runtime, the handler, the Powertools layer.

Constants and one pure helper shared by compile (which writes them into each function),
packaging (which vendors requirements for this runtime) and the CloudFormation export.
Pure stdlib: no AWS calls.
"""

from __future__ import annotations

LAMBDA_RUNTIME = "python3.12"
WORKER_HANDLER = "scheduler.worker.entry.handler"

# Powertools for AWS Lambda (Python) v3 public layer, python3.12 on x86_64. The documented
# format is arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-
# {python_version}-x86_64:{version}; the index page's layer table lists version 27
# (https://github.com/aws-powertools/powertools-lambda-python/pull/7757, docs/index.md;
# install guide: https://docs.aws.amazon.com/powertools/python/latest/#lambda-layer).
# Only Logger and Metrics are used, both stable across v3, so pinning one version is safe.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python312-x86_64"
POWERTOOLS_LAYER_VERSION = 27


def powertools_layer_arn(region: str, partition: str = "aws") -> str:
    """The public Powertools layer version ARN for ``region``."""
    return (
        f"arn:{partition}:lambda:{region}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"{POWERTOOLS_LAYER_NAME}:{POWERTOOLS_LAYER_VERSION}"
    )
