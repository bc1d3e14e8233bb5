"""A CodeBuild project in moto, as the aws tests build one."""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/build"


def create_project(codebuild: Any, name: str = "build-web", role: str = ROLE) -> str:
    """Create the project with `codebuild` (a boto3 client); its ARN."""
    project = codebuild.create_project(
        name=name,
        source={"type": "GITHUB", "location": "https://github.com/acme/payments"},
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "img",
            "computeType": "BUILD_GENERAL1_SMALL",
        },
        serviceRole=role,
    )
    return str(project["project"]["arn"])
