"""What scripts can do beyond reading the message: `verify` senders (and, to come, `http`,
`aws` and `respond`, made by the engine on the script's behalf)."""
