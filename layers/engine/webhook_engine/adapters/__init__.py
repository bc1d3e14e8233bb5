"""AWS adapters behind the engine's ports: the only modules that use boto3."""
