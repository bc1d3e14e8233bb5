"""What AWS hands the handlers, built from template.yaml: its resources provisioned in moto,
the API Gateway and SQS events, the Lambda context and each function's configuration.

The local stack (`webhooks_local`), the benchmarks (`webhooks_bench`) and the tests all run
the real handlers on these, so that they hand the handlers the same thing."""
