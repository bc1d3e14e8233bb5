"""What scripts can do beyond reading the message: `verify` senders, act on AWS with `aws`
(and, to come, `http` and `respond`), the actions made by the engine on the script's behalf."""
