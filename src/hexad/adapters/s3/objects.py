"""The object store on an S3-compatible service (the distributed and aws profiles' lake).

`HEXAD_OBJECT_STORE_URL=s3://bucket/prefix` names the bucket and a key prefix under which the zones
live, so several deployments can share a bucket; `HEXAD_S3_ENDPOINT_URL` points at a non-AWS service
(MinIO, Ceph; path-style addressing is used then, as those expect). Credentials come from
`HEXAD_S3_ACCESS_KEY_ID`/`HEXAD_S3_SECRET_ACCESS_KEY` when set, else from boto3's usual chain
(environment, profile, instance role). A `PutObject` replaces an object whole, so readers never see
half an object, as with the local folder's rename.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from hexad.adapters.shared.objects import check_key
from hexad.errors import ConfigError, NotFoundError, RuntimeStoreError

__all__ = ["S3ObjectStore", "parse_s3_url"]

_MISSING = {"404", "NoSuchKey", "NotFound"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """(bucket, prefix) of `s3://bucket/prefix`; the prefix is '' or ends with '/'."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError(f"HEXAD_OBJECT_STORE_URL: expected s3://bucket/prefix, got {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


class S3ObjectStore:
    """Objects under `prefix` in one bucket; keys are the lake's relative keys."""

    def __init__(self, bucket: str, prefix: str = "", *, client: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self._client = client

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> S3ObjectStore:
        """A store for `s3://bucket/prefix`, on AWS or on the S3-compatible service at `endpoint_url`."""
        bucket, prefix = parse_s3_url(url)
        config = Config(
            retries={"max_attempts": 5, "mode": "standard"},
            s3={"addressing_style": "path" if endpoint_url else "auto"},
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )
        return cls(bucket, prefix, client=client)

    def url(self, key: str) -> str:
        """The object's `s3://` URL (the store's root for '')."""
        return f"s3://{self.bucket}/{self._key(key) if key else self.prefix}"

    def put(self, key: str, data: bytes) -> str:
        with self._errors("put", key):
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)
        return self.url(key)

    def get(self, key: str) -> bytes:
        with self._errors("get", key):
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    raise NotFoundError(f"object {key!r} not found in {self.url('')}") from None
                raise
            with contextlib.closing(response["Body"]) as body:
                return bytes(body.read())

    def exists(self, key: str) -> bool:
        with self._errors("check", key):
            try:
                self._client.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if _code(exc) in _MISSING:
                    return False
                raise
        return True

    def list(self, prefix: str = "") -> builtins.list[str]:
        with self._errors("list", prefix):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            keys = [item["Key"][len(self.prefix) :] for page in pages for item in page.get("Contents", ())]
        return sorted(keys)

    def _key(self, key: str) -> str:
        return self.prefix + "/".join(check_key(key))

    @contextlib.contextmanager
    def _errors(self, action: str, key: str) -> Iterator[None]:
        """S3 and connection failures as `RuntimeStoreError` naming the bucket, the key and the cause."""
        try:
            yield
        except ClientError as exc:
            code = _code(exc)
            if code == "NoSuchBucket":
                raise RuntimeStoreError(
                    f"S3 bucket {self.bucket!r} does not exist (HEXAD_OBJECT_STORE_URL)"
                ) from exc
            raise RuntimeStoreError(f"S3 {action} of {key!r} in {self.url('')} failed: {code}") from exc
        except BotoCoreError as exc:
            raise RuntimeStoreError(f"S3 {action} of {key!r} in {self.url('')} failed: {exc}") from exc


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "")) or "unknown error"
