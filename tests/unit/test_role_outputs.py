"""What the local stack asks moto's CloudFormation to evaluate of the template's roles and
policies (webhooks_testbed.roles): references to resources moto does not create stand in by
name, so that a policy naming an API or a function (the admin API's, per operator role) is
evaluated like any other."""

from __future__ import annotations

from webhooks_testbed.roles import IamResources


def test_references_to_resources_moto_does_not_create_stand_in_by_name():
    # Given a policy naming the admin API (not created locally) and the messages table (created)
    document = {
        "Resources": {
            "AdminApi": {"Type": "AWS::ApiGatewayV2::Api"},
            "MessageStoreTable": {"Type": "AWS::DynamoDB::Table"},
            "ViewerPolicy": {
                "Type": "AWS::IAM::ManagedPolicy",
                "Condition": "HasViewers",
                "Properties": {
                    "PolicyDocument": {
                        "Statement": [
                            {
                                "Action": "execute-api:Invoke",
                                "Resource": [
                                    {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:${AdminApi}/*"},
                                    {"Ref": "AdminApi"},
                                    {"Fn::GetAtt": ["MessageStoreTable", "Arn"]},
                                ],
                            }
                        ]
                    }
                },
            },
        }
    }

    # When
    outputs = IamResources.of(document).outputs(frozenset({"MessageStoreTable"}))

    # Then
    expression, condition = outputs["IamViewerPolicy"]
    [statement] = expression["Fn::ToJsonString"]["PolicyDocument"]["Statement"]
    assert statement["Resource"] == [
        {"Fn::Sub": "arn:aws:execute-api:${AWS::Region}:AdminApi/*"},
        "AdminApi",
        {"Fn::GetAtt": ["MessageStoreTable", "Arn"]},
    ]
    assert condition == "HasViewers"
