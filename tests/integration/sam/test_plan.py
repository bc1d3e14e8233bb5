"""`make deploy`'s summary before SAM's change set (webhooks-sam plan)."""

from __future__ import annotations

from webhooks_sam.plan import plan


def test_the_plan_lists_the_resources_by_type_and_the_parameters_that_matter():
    # When
    text = plan("AlarmEmail=ops@example.com 'ActionBuildProjectArns=arn:aws:codebuild:x'")

    # Then: SAM's translation (functions, their roles), conditional ones said so, and the
    # values given, or the defaults with what they mean
    lines = text.splitlines()
    assert "    4 AWS::Lambda::Function" in lines
    assert "    4 AWS::IAM::Role" in lines
    assert "    1 AWS::SNS::Subscription (if HasAlarmEmail)" in lines
    assert "  AlarmEmail = 'ops@example.com'" in lines
    assert "  ActionBuildProjectArns = 'arn:aws:codebuild:x'" in lines
    assert (
        "  KmsKeyArn = '' (default: empty: each service's own key, an unencrypted alarm topic)"
        in lines
    )
