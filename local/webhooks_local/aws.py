"""moto, loopback only: the local stand-in for AWS."""

from __future__ import annotations

import logging

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"


def local_session(region: str = REGION) -> boto3.session.Session:
    """A session with moto's dummy credentials, whatever the user's AWS settings."""
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )


def start_moto(port: int = 0) -> tuple[ThreadedMotoServer, str]:
    """Start moto on 127.0.0.1 (a free port by default); return it and its endpoint URL."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access line per AWS call
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    host, bound = server.get_host_and_port()
    return server, f"http://{host}:{bound}"
