#!/bin/sh
# The image's entry point, as Lambda's base images have it: `docker run IMAGE handler` runs the
# function behind the runtime interface emulator; inside Lambda (or SAM, which starts the
# emulator itself) the runtime API is given and the bootstrap runs alone.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  exec /usr/local/bin/aws-lambda-rie /var/runtime/bootstrap
fi
exec /var/runtime/bootstrap
