"""The local stack (`make serve`, `make invoke`): moto on a keep-alive server, a gateway, SQS
pollers, warm workers and schedules, running the real handlers on what `webhooks_testbed`
builds from template.yaml."""
