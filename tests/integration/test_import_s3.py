"""The lake on S3: `hexad import` as a process, configured only by settings, keeps its raw files in
a bucket of an S3-compatible server (moto's, started by the test) under the configured prefix."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.support.s3 import ACCESS_KEY, SECRET_KEY, s3_server


@pytest.mark.slow
def test_hexad_import_writes_the_raw_zone_to_s3(tmp_path: Path) -> None:
    server = s3_server()
    bucket = server.new_bucket()
    data = tmp_path / "vendors.csv"
    data.write_text("vendor_id,name,category,country\nVN-1,Acme Cloud,cloud,US\nVN-2,Globex,hardware,DE\n")
    env = {
        **os.environ,
        "HEXAD_HOME": str(tmp_path / "home"),
        "HEXAD_OBJECT_STORE_URL": f"s3://{bucket}/tenants/acme",
        "HEXAD_S3_ENDPOINT_URL": server.endpoint_url,
        "HEXAD_S3_ACCESS_KEY_ID": ACCESS_KEY,
        "HEXAD_S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    for name in ("HEXAD_PROFILE", "HEXAD_DATABASE_URL"):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "hexad", "import", str(data), "--json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    assert report["entities"]["vendors"]["inserted"] == 2, report
    assert report["raw_objects"][0].startswith(f"s3://{bucket}/tenants/acme/raw/vendors/")
    client = server.client()
    keys = [item["Key"] for item in client.list_objects_v2(Bucket=bucket)["Contents"]]  # type: ignore[attr-defined]
    [key] = keys
    assert key.startswith("tenants/acme/raw/vendors/") and key.endswith("/vendors.parquet")
    body = client.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[attr-defined]
    assert [row["vendor_id"] for row in pq.read_table(io.BytesIO(body)).to_pylist()] == ["VN-1", "VN-2"]
    assert not (tmp_path / "home" / "lake").exists()
