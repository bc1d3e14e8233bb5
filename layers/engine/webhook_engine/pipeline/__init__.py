"""What the ingest and process functions run: accept, queue, match, run, record."""
