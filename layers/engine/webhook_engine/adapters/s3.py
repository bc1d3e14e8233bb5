"""Message bodies too big for a DynamoDB item, in the payload bucket."""

from __future__ import annotations

from botocore.exceptions import ClientError

from webhook_engine.adapters.clients import client
from webhook_engine.domain.errors import BodyMissingError


class S3PayloadStore:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, body: bytes) -> None:
        client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)

    def get(self, key: str) -> bytes:
        """The body; BodyMissingError when the bucket no longer has it (its lifecycle rule)."""
        try:
            response = client("s3").get_object(Bucket=self.bucket, Key=key)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchKey":
                raise
            raise BodyMissingError(f"the body is no longer stored ({key}: NoSuchKey)") from error
        data: bytes = response["Body"].read()
        return data

    def link(self, key: str, seconds: int) -> str:
        """A presigned GET URL for the object, valid for `seconds`."""
        url: str = client("s3").generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=seconds
        )
        return url
