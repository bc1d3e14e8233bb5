"""The incoming-webhooks engine: models, matching and execution, storage adapters."""
