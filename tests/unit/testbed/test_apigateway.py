"""The HTTP API payload 2.0 events the gateway builds and the answers it writes back."""

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from webhooks_testbed.apigateway import (
    HttpRequest,
    Route,
    build_event,
    decode_response,
    find_route,
    routes,
)
from webhooks_testbed.authorizer import iam_authorizer
from webhooks_testbed.template import TEMPLATE_PATH, load_template

WEBHOOK_ROUTE = Route("ANY", "/webhooks/{uri+}", "IngestFunction")
NOW = datetime(2025, 3, 12, 19, 3, 58, 412000, tzinfo=UTC)


def http_request(
    *,
    target: str = "/webhooks/git/push?projectId=1&tag=a&tag=b",
    headers: list[tuple[str, str]] | None = None,
    body: bytes = b'{"ref": "refs/heads/main"}',
) -> HttpRequest:
    return HttpRequest(
        method="POST",
        target=target,
        headers=headers
        if headers is not None
        else [("Host", "127.0.0.1:3000"), ("Content-Type", "application/json")],
        body=body,
        source_ip="127.0.0.9",
        server_port=3000,
    )


def event_for(request: HttpRequest) -> dict[str, Any]:
    found = find_route([WEBHOOK_ROUTE], request.method, request.path)
    assert found is not None
    event: dict[str, Any] = build_event(request, *found, request_id="req-1", now=NOW)
    return event


def test_routes_are_the_template_httpapi_events():
    # When
    table = {route.key: (route.function_id, route.iam, route.jwt) for route in routes()}

    # Then only the admin path has authorizers, IAM (machines) and JWT (people) on one route;
    # the console's files (on the people's API) have none
    assert table == {
        "ANY /webhooks/{uri+}": ("IngestFunction", False, False),
        "ANY /admin/v1/{proxy+}": ("AdminFunction", True, True),
        "GET /console/{proxy+}": ("AdminFunction", False, False),
        "GET /console": ("AdminFunction", False, False),
    }


AUTH_TEMPLATE = """
Globals:
  HttpApi:
    Auth: {DefaultAuthorizer: AWS_IAM}
Resources:
  OpenApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth: {DefaultAuthorizer: NONE}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: fn.handler.lambda_handler
      CodeUri: src/fn
      Events:
        Implicit: {Type: HttpApi, Properties: {Path: /implicit, Method: GET}}
        Open: {Type: HttpApi, Properties: {ApiId: !Ref OpenApi, Path: /open, Method: GET}}
        Signed:
          Type: HttpApi
          Properties:
            ApiId: !Ref OpenApi
            Path: /signed
            Method: GET
            Auth: {Authorizer: AWS_IAM}
"""


def test_route_authorizer_is_the_event_s_then_the_api_s_then_globals(tmp_path):
    # Given
    (tmp_path / "template.yaml").write_text(AUTH_TEMPLATE, encoding="utf-8")

    # When
    table = {route.path: route.iam for route in routes(load_template(tmp_path / "template.yaml"))}

    # Then
    assert table == {"/implicit": True, "/open": False, "/signed": True}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/webhooks/git/push", ("IngestFunction", {"uri": "git/push"})),
        ("/admin/v1/messages/01J/resubmit", ("AdminFunction", {"proxy": "messages/01J/resubmit"})),
        ("/webhooks/", None),
        ("/admin/v1", None),
        ("/elsewhere", None),
    ],
)
def test_greedy_routes_take_the_rest_of_the_path(path, expected):
    # When
    found = find_route(routes(), "POST", path)

    # Then
    assert (found and (found[0].function_id, found[1])) == expected


def shape(value: Any) -> Any:
    """The keys of nested objects, without the values."""
    return {key: shape(item) for key, item in value.items()} if isinstance(value, dict) else None


@pytest.mark.parametrize(
    ("sample", "authorizer"),
    [("webhook_github_push.json", None), ("admin_health.json", iam_authorizer())],
)
def test_events_have_the_shape_of_recorded_http_api_events(sample, authorizer):
    # Given an event recorded on AWS, and the same request as the gateway receives it
    recorded = json.loads((TEMPLATE_PATH.parent / "events" / sample).read_text())
    query = recorded["rawQueryString"]
    request = HttpRequest(
        method=recorded["requestContext"]["http"]["method"],
        target=recorded["rawPath"] + (f"?{query}" if query else ""),
        headers=list(recorded["headers"].items()),
        body=recorded.get("body", "").encode(),
        source_ip=recorded["requestContext"]["http"]["sourceIp"],
        server_port=443,
    )

    # When
    found = find_route(routes(), request.method, request.path)
    assert found is not None
    event = build_event(request, *found, request_id="req-1", authorizer=authorizer)

    # Then
    assert shape(event) == shape(recorded)


def test_event_carries_route_path_and_request_context():
    # When
    event = event_for(http_request())

    # Then
    assert event["version"] == "2.0"
    assert event["routeKey"] == "ANY /webhooks/{uri+}"
    assert event["rawPath"] == "/webhooks/git/push"
    assert event["pathParameters"] == {"uri": "git/push"}
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/webhooks/git/push",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.9",
        "userAgent": "",
    }
    assert (context["requestId"], context["routeKey"], context["stage"]) == (
        "req-1",
        "ANY /webhooks/{uri+}",
        "$default",
    )
    assert (context["domainName"], context["domainPrefix"]) == ("127.0.0.1:3000", "127")
    assert (context["time"], context["timeEpoch"]) == ("12/Mar/2025:19:03:58 +0000", 1741806238412)


def test_headers_are_lower_cased_and_repeats_joined_with_commas():
    # Given
    headers = [("X-Multi", "a"), ("x-multi", "b"), ("User-Agent", "GitHub-Hookshot/1")]

    # When
    event = event_for(http_request(headers=headers))

    # Then
    assert event["headers"]["x-multi"] == "a,b"
    assert event["headers"]["user-agent"] == "GitHub-Hookshot/1"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.9"
    assert event["requestContext"]["http"]["userAgent"] == "GitHub-Hookshot/1"


def test_cookies_leave_the_headers_for_their_own_list():
    # When
    event = event_for(http_request(headers=[("Cookie", "a=1; b=2"), ("Cookie", "c=3")]))

    # Then
    assert event["cookies"] == ["a=1", "b=2", "c=3"]
    assert "cookie" not in event["headers"]


def test_query_string_is_kept_raw_and_parsed_with_repeats_joined():
    # When
    event = event_for(http_request(target="/webhooks/x?projectId=1&tag=a&tag=b&empty=&sp=a%20b"))

    # Then
    assert event["rawQueryString"] == "projectId=1&tag=a&tag=b&empty=&sp=a%20b"
    assert event["queryStringParameters"] == {
        "projectId": "1",
        "tag": "a,b",
        "empty": "",
        "sp": "a b",
    }


def test_no_query_string_means_no_parameters():
    # When
    event = event_for(http_request(target="/webhooks/x"))

    # Then
    assert event["rawQueryString"] == ""
    assert "queryStringParameters" not in event


@pytest.mark.parametrize(
    ("content_type", "body", "encoded"),
    [
        ("application/json", b'{"a": "\xc3\xa9"}', False),
        ("application/json; charset=utf-8", b"{}", False),
        ("application/vnd.api+json", b"{}", False),
        ("text/plain", b"hello", False),
        ("application/x-www-form-urlencoded", b"a=1&b=2", False),
        ("application/xml", b"<a/>", False),
        ("application/json", b"\xff\xfe not utf-8", True),
        ("application/octet-stream", b"hello", True),
        ("image/png", b"\x89PNG", True),
        (None, b"hello", True),
    ],
)
def test_body_is_text_or_base64_by_content_type_and_encoding(content_type, body, encoded):
    # Given
    headers = [("Content-Type", content_type)] if content_type else []

    # When
    event = event_for(http_request(headers=headers, body=body))

    # Then
    assert event["isBase64Encoded"] is encoded
    received = base64.b64decode(event["body"]) if encoded else event["body"].encode()
    assert received == body


def test_binary_body_round_trips_exactly():
    # Given
    body = bytes(range(256)) * 4

    # When
    event = event_for(http_request(headers=[("Content-Type", "application/zip")], body=body))

    # Then
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_empty_body_is_left_out():
    # When
    event = event_for(http_request(body=b""))

    # Then
    assert "body" not in event
    assert event["isBase64Encoded"] is False


def test_path_is_url_decoded_as_http_apis_deliver_it():
    # When
    event = event_for(http_request(target="/webhooks/a%20b/c"))

    # Then
    assert event["rawPath"] == "/webhooks/a b/c"
    assert event["pathParameters"] == {"uri": "a b/c"}


def test_response_headers_cookies_and_base64_body_are_written_back():
    # Given
    result = {
        "statusCode": 201,
        "headers": {"Content-Type": "image/png", "X-Count": 2},
        "multiValueHeaders": {"X-Tag": ["a", "b"]},
        "cookies": ["session=1; HttpOnly", "theme=dark"],
        "body": base64.b64encode(b"\x89PNG\x00").decode(),
        "isBase64Encoded": True,
    }

    # When
    response = decode_response(result)

    # Then
    assert response.status == 201
    assert response.body == b"\x89PNG\x00"
    assert response.headers == [
        ("Content-Type", "image/png"),
        ("X-Count", "2"),
        ("X-Tag", "a"),
        ("X-Tag", "b"),
        ("set-cookie", "session=1; HttpOnly"),
        ("set-cookie", "theme=dark"),
    ]


def test_text_body_is_sent_as_utf8():
    # When
    response = decode_response({"statusCode": 202, "body": '{"message_id": "é"}'})

    # Then
    assert (response.status, response.body) == (202, '{"message_id": "é"}'.encode())


def test_result_without_status_code_is_a_200_json_answer():
    # When
    response = decode_response({"message_id": "01J"})

    # Then
    assert response.status == 200
    assert json.loads(response.body) == {"message_id": "01J"}
    assert ("content-type", "application/json") in response.headers


@pytest.mark.parametrize(
    "result",
    [{"statusCode": "200"}, {"statusCode": 200, "body": {"a": 1}}, {"statusCode": 99}],
)
def test_malformed_result_is_refused(result):
    # When / Then
    with pytest.raises(ValueError, match="Malformed"):
        decode_response(result)
