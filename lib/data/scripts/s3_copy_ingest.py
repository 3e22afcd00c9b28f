"""Glue Python shell job of cdktf-mlops BatchIngestion.

Copies the objects of an external S3 source (a partner drop, an export bucket) that changed in the
last --lookback_hours into the lake's raw zone, under
<target_prefix>ingest_date=YYYY-MM-DD/<key relative to the source prefix>, encrypted with the
zone's KMS key. Objects already landed (same size and ETag recorded in metadata) are skipped, so a
re-run is idempotent.
"""
import datetime
import sys
from urllib.parse import urlparse

import boto3
from awsglue.utils import getResolvedOptions


def parse_s3_uri(uri):
    parsed = urlparse(uri)
    if parsed.scheme != "s3" or not parsed.netloc:
        raise ValueError(f"source_uri {uri!r} is not an s3://bucket/prefix URI")
    return parsed.netloc, parsed.path.lstrip("/")


def changed_objects(s3, bucket, prefix, since):
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith("/"):
                continue
            if obj["LastModified"] >= since:
                yield obj


def target_key(target_prefix, source_prefix, key, day):
    relative = key[len(source_prefix):].lstrip("/") if key.startswith(source_prefix) else key
    return f"{target_prefix}ingest_date={day}/{relative}"


def already_landed(s3, bucket, key, source_etag):
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except s3.exceptions.ClientError as err:
        if err.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return head.get("Metadata", {}).get("source-etag") == source_etag


def main(argv):
    args = getResolvedOptions(argv, ["source_uri", "target_bucket", "target_prefix", "kms_key_arn", "lookback_hours"])
    s3 = boto3.client("s3")
    source_bucket, source_prefix = parse_s3_uri(args["source_uri"])
    now = datetime.datetime.now(datetime.timezone.utc)
    since = now - datetime.timedelta(hours=int(args["lookback_hours"]))
    day = now.strftime("%Y-%m-%d")
    copied = skipped = 0
    for obj in changed_objects(s3, source_bucket, source_prefix, since):
        key = target_key(args["target_prefix"], source_prefix, obj["Key"], day)
        etag = obj["ETag"].strip('"')
        if already_landed(s3, args["target_bucket"], key, etag):
            skipped += 1
            continue
        s3.copy(
            {"Bucket": source_bucket, "Key": obj["Key"]},
            args["target_bucket"],
            key,
            ExtraArgs={
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": args["kms_key_arn"],
                "Metadata": {"source-etag": etag, "source-key": obj["Key"]},
                "MetadataDirective": "REPLACE",
            },
        )
        copied += 1
    print(f"ingested {copied} objects from {args['source_uri']} into s3://{args['target_bucket']}/{args['target_prefix']} ({skipped} already landed)")


if __name__ == "__main__":
    main(sys.argv)
