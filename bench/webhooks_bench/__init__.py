"""The benchmarks of `make bench`: figures, never pass/fail. What a message costs on AWS
(counted on moto), cold-start imports from the engine layer, the script sandbox, the local
stack over HTTP and a load audit of mixed webhooks."""
