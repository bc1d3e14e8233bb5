"""Message bodies too big for a DynamoDB item, in the payload bucket."""

from __future__ import annotations

from webhook_engine.adapters.clients import client


class S3PayloadStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: bytes) -> None:
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)

    def get(self, key: str) -> bytes:
        response = client("s3").get_object(Bucket=self.bucket, Key=key)
        data: bytes = response["Body"].read()
        return data
