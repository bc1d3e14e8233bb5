"""The SQS event sources of template.yaml, as provisioned in moto."""

from webhooks_testbed.sqs_events import SqsSource, sources


def test_sources_are_the_template_sqs_events(stack):
    # When
    found = sources(stack)

    # Then
    assert found == [
        SqsSource(
            function_id="ProcessFunction",
            queue_url=stack.refs["WebhookQueue"],
            queue_arn=stack.attrs[("WebhookQueue", "Arn")],
            region="us-east-1",
            batch_size=10,
            report_failures=True,
        )
    ]
