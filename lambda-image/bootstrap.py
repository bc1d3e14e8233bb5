"""Lambda's module search path for the function: its code, then its layers' python/ folders,
then the runtime's (/var/runtime, on PYTHONPATH) and the standard library; then the runtime
interface client on the handler named in argv[1]."""

import sys

from awslambdaric.__main__ import main

# sys.path[0] is this script's folder, /var/runtime, which PYTHONPATH puts on the path anyway.
sys.path[0:1] = ["/var/task", "/opt/python/lib/python3.13/site-packages", "/opt/python"]
main(sys.argv)
