"""The local stack: moto holding the template's resources, warm workers, a gateway, pollers,
schedules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from webhooks_local.aws import MotoProcess, enforce_iam, local_session, role_session, start_moto
from webhooks_local.gateway import Gateway
from webhooks_local.poller import QueuePoller
from webhooks_local.schedules import Scheduler, scheduled_event, schedules
from webhooks_local.signin import AUTHORIZE, CLIENT_ID, TOKEN, LocalSignIn
from webhooks_local.state import stack_state
from webhooks_local.tokens import LocalIssuer
from webhooks_local.workers import ADMIN_FUNCTION, APPLY_CONFIG, FunctionWorkers, worker_count
from webhooks_testbed import grants, roles
from webhooks_testbed import template as cfn
from webhooks_testbed.apigateway import routes
from webhooks_testbed.lambdas import FunctionConfig, function_config
from webhooks_testbed.sqs_events import SqsSource, sources


class LocalStack:
    """Everything `make serve` runs; a context manager that stops what it started."""

    provisioned: cfn.ProvisionedStack

    def __init__(
        self,
        *,
        port: int,
        admin_token: str,
        quiet: bool = False,
        parameters: Mapping[str, str] | None = None,
        call_log: Path | None = None,
        roles_template: dict[str, Any] | None = None,
        console_port: int = 0,
        state_path: Path | None = None,
    ) -> None:
        """`parameters`: template parameter overrides (`HttpAllowedHosts`); `call_log`: a
        file to write the roles' grants and moto's IAM decisions to when the stack stops
        (webhooks_testbed.grants); `roles_template`: a template whose roles the functions
        get instead of template.yaml's (a test's, lacking a grant). The console is served on
        `console_port`, its sign-in handing out the tokens of `state_path`."""
        self.admin_token = admin_token
        self.issuer = LocalIssuer()
        self.tokens = self.issuer.tokens()  # one per role, signed with this stack's new key
        self._console_port = console_port
        self._state_path = state_path
        self._parameters = dict(parameters or {})
        self._call_log = call_log
        self._iam = roles.IamResources.of(
            roles.translate(roles_template) if roles_template else roles.translated()
        )
        self._port = port
        self._quiet = quiet
        self._moto: MotoProcess | None = None
        self.endpoint = ""
        self.workers: dict[str, FunctionWorkers] = {}
        self._pollers: list[QueuePoller] = []
        self._schedulers: list[Scheduler] = []
        self._gateway: Gateway | None = None
        self._console: Gateway | None = None

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._gateway.port if self._gateway else self._port

    @property
    def console_url(self) -> str:
        """The console's origin and path: the admin API's routes and the local sign-in, on a
        port of their own, as the admin API has its own domain on AWS."""
        port = self._console.port if self._console else self._console_port
        return f"http://127.0.0.1:{port}/console"

    def _start(self) -> None:
        # Bound first, so that a busy port fails fast; it takes requests once serve() runs.
        self._gateway = Gateway(
            routes(),
            self.workers,
            port=self._port,
            token=self.admin_token,
            issuer=self.issuer,
            quiet=self._quiet,
        )
        admin_routes = [route for route in routes() if route.function_id == ADMIN_FUNCTION]
        self._console = Gateway(
            admin_routes,
            self.workers,
            port=self._console_port,
            token=self.admin_token,
            issuer=self.issuer,
            quiet=self._quiet,
        )
        if self._state_path is not None:
            self._console.front = LocalSignIn(self._origin, self._state_path).respond
        self._moto, self.endpoint = start_moto()
        session = local_session()
        self.provisioned = cfn.provision(
            session,
            endpoint_url=self.endpoint,
            parameter_overrides=self._parameters,
            extra_outputs=self._iam.outputs(cfn.local_resources()),
        )
        credentials = roles.provision_roles(session, self.endpoint, self._iam, self.provisioned)
        enforce_iam(self.endpoint)  # every function's call from here on, as on AWS
        for function_id in cfn.functions():
            config = self._signing_in(
                function_config(
                    function_id,
                    self.provisioned,
                    endpoint_url=self.endpoint,
                    credentials=credentials[function_id],
                )
            )
            self.workers[function_id] = FunctionWorkers(config, worker_count(function_id))
        for workers in self.workers.values():
            workers.warm()
        self._pollers = [self._poller(source, credentials) for source in sources(self.provisioned)]
        self._schedulers = [
            Scheduler(
                schedule,
                self.workers[schedule.function_id].invoke,
                partial(
                    scheduled_event, schedule, self.provisioned.stack_name, self.provisioned.region
                ),
            )
            for schedule in schedules()
        ]

    def _poller(self, source: SqsSource, credentials: dict[str, dict[str, str]]) -> QueuePoller:
        """The queue's event source mapping, polling with its function's role as Lambda's
        does; it makes failed records visible again with the account's keys (a local
        shortcut: Lambda leaves them to the visibility timeout)."""
        role = role_session(credentials[source.function_id], self.provisioned.region)
        return QueuePoller(
            role.client("sqs", endpoint_url=self.endpoint),
            source,
            self.workers[source.function_id].invoke,
            concurrency=worker_count(source.function_id),
            requeue=local_session().client("sqs", endpoint_url=self.endpoint),
        )

    @property
    def _origin(self) -> str:
        return self.console_url.removesuffix("/console")

    def _signing_in(self, config: FunctionConfig) -> FunctionConfig:
        """The admin function's settings name the local sign-in as Cognito's hosted UI."""
        if config.function_id != ADMIN_FUNCTION:
            return config
        sign_in = {
            "CONSOLE_AUTHORIZE_URL": self._origin + AUTHORIZE,
            "CONSOLE_TOKEN_URL": self._origin + TOKEN,
            "CONSOLE_CLIENT_ID": CLIENT_ID,
        }
        return replace(config, environment=config.environment | sign_in)

    def apply_config(self, path: Path) -> str:
        """Apply a configuration file in an admin worker; return the plan."""
        return self.workers[ADMIN_FUNCTION].call(APPLY_CONFIG, path)

    def serve(self) -> None:
        """Start taking requests and queued messages."""
        for poller in self._pollers:
            poller.start()
        for scheduler in self._schedulers:
            scheduler.start()
        for gateway in (self._gateway, self._console):
            if gateway:
                gateway.start()

    def state(self, pid: int) -> dict[str, Any]:
        """What `invoke` needs to join this stack."""
        return {
            "pid": pid,
            "port": self.port,
            "console_url": self.console_url,
            "moto_endpoint": self.endpoint,
            "admin_token": self.admin_token,
            "tokens": self.tokens,
            **stack_state(self.provisioned),
        }

    def stop(self) -> None:
        """Stop the gateway, the pollers and schedules, the workers and moto, in that order."""
        for gateway in (self._gateway, self._console):
            if gateway:
                gateway.stop()
        self._gateway = self._console = None
        for poller in self._pollers:
            poller.stop()
        self._pollers = []
        for scheduler in self._schedulers:
            scheduler.stop()
        self._schedulers = []
        for workers in self.workers.values():
            workers.close()
        self.workers = {}
        if self._moto and self._call_log:
            evaluated = self._iam.evaluated(self.provisioned.extra)
            found = grants.grants(self._iam.resources, evaluated)
            grants.write_run(self._call_log, found, self._moto.checks())
        if self._moto:
            self._moto.stop()
            self._moto = None
