"""What scripts can do beyond reading the message: `verify` senders, call out with `http`, act
on AWS with `aws` (and, to come, `respond`); calls are made by the engine on the script's
behalf."""
