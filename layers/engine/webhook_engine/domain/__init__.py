"""What every other part speaks: models, errors, ids, times, URIs and the ports."""
