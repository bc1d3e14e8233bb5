"""SAM's translator on a template read as JSON from stdin; CloudFormation JSON on stdout.

Run by `roles.translate` with the SAM CLI's Python (`.venv-sam`): the translator pins a
pydantic that the project's cannot meet, so it stays in the SAM CLI's environment. It imports
nothing of the project. Code locations stand in for local paths (the translator wants S3
ones), as `sam validate` does; managed policies named by a function's `Policies` are AWS's own.
"""

import json
import os
import sys

from samtranslator.translator.transform import transform

PLACEHOLDER_CODE = "s3://local/code.zip"


class AwsManagedPolicies:
    """The translator's managed policy loader: every name is AWS's own policy."""

    def load(self) -> dict[str, str]:
        return {}


def main() -> None:
    template = json.load(sys.stdin)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in properties:
                properties[key] = PLACEHOLDER_CODE
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    json.dump(transform(template, {}, AwsManagedPolicies()), sys.stdout)


if __name__ == "__main__":
    main()
