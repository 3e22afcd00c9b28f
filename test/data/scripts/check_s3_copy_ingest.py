"""Runs lib/data/scripts/s3_copy_ingest.py against an in-memory S3 (no AWS, no boto3 needed).

Prints 'N passed, N failed' and exits non-zero on failure.
"""
import datetime
import importlib.util
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "..", "lib", "data", "scripts", "s3_copy_ingest.py")
NOW = datetime.datetime.now(datetime.timezone.utc)


class ClientError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeS3:
    """Just the calls the script makes: list_objects_v2 (paginated), head_object, copy."""

    exceptions = types.SimpleNamespace(ClientError=ClientError)

    def __init__(self, objects):
        self.objects = objects  # (bucket, key) -> dict(ETag, LastModified, Metadata, ExtraArgs)
        self.copies = []

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        fake = self

        class Paginator:
            def paginate(self, Bucket, Prefix):
                keys = sorted(k for (b, k) in fake.objects if b == Bucket and k.startswith(Prefix))
                for i in range(0, len(keys), 2):  # pages of two, to exercise pagination
                    yield {"Contents": [dict(Key=k, **{f: fake.objects[(Bucket, k)][f] for f in ("ETag", "LastModified")}) for k in keys[i:i + 2]]}

        return Paginator()

    def head_object(self, Bucket, Key):
        if (Bucket, Key) not in self.objects:
            raise ClientError("404")
        return {"Metadata": self.objects[(Bucket, Key)].get("Metadata", {})}

    def copy(self, source, bucket, key, ExtraArgs):
        src = self.objects[(source["Bucket"], source["Key"])]
        self.objects[(bucket, key)] = {"ETag": '"copied"', "LastModified": NOW, "Metadata": ExtraArgs["Metadata"], "ExtraArgs": ExtraArgs}
        self.copies.append((source["Key"], key, ExtraArgs))
        assert src is not None


def load(fake, argv_values):
    boto3 = types.ModuleType("boto3")
    boto3.client = lambda name: fake
    awsglue = types.ModuleType("awsglue")
    utils = types.ModuleType("awsglue.utils")
    utils.getResolvedOptions = lambda argv, names: {n: argv_values[n] for n in names}
    sys.modules.update({"boto3": boto3, "awsglue": awsglue, "awsglue.utils": utils})
    spec = importlib.util.spec_from_file_location("s3_copy_ingest", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


ARGS = {"source_uri": "s3://partner/crm/", "target_bucket": "lake-raw", "target_prefix": "batch/crm/", "kms_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/k", "lookback_hours": "48"}


def fresh():
    old = NOW - datetime.timedelta(days=10)
    return FakeS3({
        ("partner", "crm/a.csv"): {"ETag": '"e1"', "LastModified": NOW},
        ("partner", "crm/sub/b.csv"): {"ETag": '"e2"', "LastModified": NOW},
        ("partner", "crm/old.csv"): {"ETag": '"e3"', "LastModified": old},
        ("partner", "crm/dir/"): {"ETag": '"d"', "LastModified": NOW},
        ("partner", "other/c.csv"): {"ETag": '"e4"', "LastModified": NOW},
    })


def test_copies_recent_objects_under_dated_prefix_with_kms():
    fake = fresh()
    load(fake, ARGS).main(["job"])
    day = NOW.strftime("%Y-%m-%d")
    assert sorted(k for _, k, _ in fake.copies) == [f"batch/crm/ingest_date={day}/a.csv", f"batch/crm/ingest_date={day}/sub/b.csv"], fake.copies
    extra = fake.copies[0][2]
    assert extra["ServerSideEncryption"] == "aws:kms" and extra["SSEKMSKeyId"] == ARGS["kms_key_arn"]
    assert extra["Metadata"]["source-etag"] in ("e1", "e2")


def test_rerun_is_idempotent():
    fake = fresh()
    mod = load(fake, ARGS)
    mod.main(["job"])
    first = len(fake.copies)
    mod.main(["job"])
    assert len(fake.copies) == first


def test_rejects_non_s3_uri():
    mod = load(fresh(), ARGS)
    try:
        mod.parse_s3_uri("https://example.com/x")
    except ValueError as err:
        assert "not an s3://bucket/prefix URI" in str(err)
    else:
        raise AssertionError("no error")


def test_target_key_keeps_relative_path():
    mod = load(fresh(), ARGS)
    assert mod.target_key("batch/crm/", "crm/", "crm/x/y.csv", "2026-01-02") == "batch/crm/ingest_date=2026-01-02/x/y.csv"


if __name__ == "__main__":
    tests = [v for k, v in sorted(globals().items()) if k.startswith("test_")]
    failed = 0
    for t in tests:
        try:
            t()
            print(f"ok {t.__name__}")
        except Exception as err:  # noqa: BLE001
            failed += 1
            print(f"FAIL {t.__name__}: {err!r}")
    print(f"{len(tests) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
