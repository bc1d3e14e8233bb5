"""The `webhooks` command line: operate an Incoming Webhooks stack through its admin API."""
