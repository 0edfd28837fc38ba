"""Per-key isolation in the sandbox: one tenant's upload credentials, outputs, instant uploads and
cloned voices stay out of another tenant's reach, and the S3 endpoint refuses as a store would."""

from __future__ import annotations

import hashlib
import secrets

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from qavix_lab.spec import OPERATIONS

ALPHA, BRAVO = "qvx-test-key-alpha-0001", "qvx-test-key-bravo-0002"


def call(sb, op: str, body: dict, key: str) -> dict:
    answer = httpx.post(sb.url + OPERATIONS[op].path, json=body,
                        headers={"Authorization": f"Bearer {key}"}).json()
    assert answer["code"] == 0, answer
    return answer["result"]


def privilege(sb, key: str, data: bytes, name: str = "clip.bin") -> dict:
    return call(sb, "files.privilege", {"fileName": name, "md5": hashlib.md5(data).hexdigest(),
                                        "fileSize": len(data)}, key)


def s3_of(grant: dict):
    cred = grant["temporaryAccessKey"]
    return boto3.client("s3", endpoint_url=cred["endPoint"], region_name="us-east-1",
                        aws_access_key_id=cred["access"], aws_secret_access_key=cred["secret"],
                        aws_session_token=cred["securitytoken"],
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                      retries={"mode": "standard", "max_attempts": 1}))


def object_key(grant: dict) -> str:
    return f"{grant['dirPath']}/{grant['randomName']}" if grant["dirPath"] else grant["randomName"]


def uploaded(sb, key: str, data: bytes) -> tuple[dict, object]:
    """A complete upload of ``data`` by ``key``: (privilege answer, its S3 client)."""
    grant = privilege(sb, key, data)
    s3 = s3_of(grant)
    s3.put_object(Bucket=grant["bucketName"], Key=object_key(grant), Body=data)
    call(sb, "files.complete", {"fileId": grant["fileId"]}, key)
    return grant, s3


def refused(action, code: str = "AccessDenied", status: int = 403) -> None:
    with pytest.raises(ClientError) as info:
        action()
    error = info.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)


@pytest.fixture
def bravo_file(sandbox):
    data = b"bravo's private bytes " + secrets.token_bytes(64)
    grant, _ = uploaded(sandbox, BRAVO, data)
    return grant, data


def test_credentials_reach_no_other_tenants_object(sandbox, bravo_file):
    theirs, data = bravo_file
    mine = privilege(sandbox, ALPHA, b"alpha " + secrets.token_bytes(32))
    s3, bucket, key = s3_of(mine), theirs["bucketName"], object_key(theirs)
    refused(lambda: s3.get_object(Bucket=bucket, Key=key))
    refused(lambda: s3.head_object(Bucket=bucket, Key=key), "403", 403)
    refused(lambda: s3.put_object(Bucket=bucket, Key=key, Body=b"poison"))
    refused(lambda: s3.delete_object(Bucket=bucket, Key=key))
    refused(lambda: s3.list_objects_v2(Bucket=bucket))
    refused(lambda: s3.list_multipart_uploads(Bucket=bucket))
    stored = sandbox.app.store.path(bucket, key)
    assert stored.read_bytes() == data


def test_credentials_reach_no_other_tenants_multipart_upload(sandbox):
    theirs = privilege(sandbox, BRAVO, secrets.token_bytes(64))
    bucket, key = theirs["bucketName"], object_key(theirs)
    upload_id = s3_of(theirs).create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    s3 = s3_of(privilege(sandbox, ALPHA, secrets.token_bytes(64)))
    refused(lambda: s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id))
    refused(lambda: s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id))
    refused(lambda: s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1,
                                   Body=b"poison"))
    assert s3_of(theirs).list_parts(Bucket=bucket, Key=key, UploadId=upload_id)["UploadId"]


@pytest.mark.parametrize("bucket", ["qavix-outputs", "qavix-uploads", "another-bucket"])
def test_credentials_write_into_no_other_key_or_bucket(sandbox, bucket):
    mine = privilege(sandbox, ALPHA, secrets.token_bytes(40))
    s3 = s3_of(mine)
    refused(lambda: s3.put_object(Bucket=bucket, Key=f"openapi/{secrets.token_hex(4)}.mp4",
                                  Body=b"x"))
    s3.put_object(Bucket=mine["bucketName"], Key=object_key(mine), Body=b"own object is fine")


def test_credentials_expire_when_the_upload_is_complete(sandbox):
    data = secrets.token_bytes(100)
    grant, s3 = uploaded(sandbox, ALPHA, data)
    refused(lambda: s3.put_object(Bucket=grant["bucketName"], Key=object_key(grant),
                                  Body=b"poison"), "ExpiredToken", 400)
    assert sandbox.app.store.path(grant["bucketName"], object_key(grant)).read_bytes() == data


def test_instant_upload_never_hands_out_another_tenants_file(sandbox, bravo_file):
    theirs, data = bravo_file
    again = privilege(sandbox, ALPHA, data)
    assert again["uploadComplete"] is False and again["temporaryAccessKey"]
    assert object_key(again) != object_key(theirs)
    own = privilege(sandbox, BRAVO, data)  # the same tenant's bytes: instant
    assert own["uploadComplete"] is True and own["temporaryAccessKey"] is None


def test_task_ids_and_output_keys_cannot_be_predicted(sandbox):
    voice = call(sandbox, "voices.list", {}, ALPHA)[0]["id"]
    ids = [int(call(sandbox, "tts.create", {"text": "hi", "timbreId": voice}, ALPHA)["taskId"])
           for _ in range(4)]
    steps = {b - a for a, b in zip(ids, ids[1:], strict=False)}
    assert len(steps) > 1 and all(i > 2**53 for i in ids)
    sandbox.advance(sandbox.config.tts_seconds + 1)
    done = call(sandbox, "tts.result", {"taskId": str(ids[0])}, ALPHA)
    record = sandbox.world.files[done["destFileId"]]
    assert str(ids[0]) not in record.key.split("/")[0]


def test_cloned_voice_auditions_need_the_key_or_the_signed_link(sandbox):
    data = b"ID3" + secrets.token_bytes(2000)
    grant, _ = uploaded(sandbox, ALPHA, data)
    link = call(sandbox, "files.refresh", {"fileId": grant["fileId"]}, ALPHA)["url"]
    voice_id = call(sandbox, "voices.clone", {"audioUrl": link, "name": "Mine"}, ALPHA)["timbreId"]
    clone = next(v for v in call(sandbox, "voices.list", {}, ALPHA) if v["id"] == voice_id)
    bare = f"{sandbox.app.world.origin}/audition/{voice_id}.mp3"
    assert httpx.get(bare).status_code == 403
    assert httpx.get(bare, headers={"Authorization": f"Bearer {BRAVO}"}).status_code == 403
    assert httpx.get(bare + "?sig=" + "0" * 32).status_code == 403
    assert httpx.get(bare, headers={"Authorization": f"Bearer {ALPHA}"}).status_code == 200
    assert httpx.get(clone["auditionUrl"]).status_code == 200
    assert all(v["id"] != voice_id for v in call(sandbox, "voices.list", {}, BRAVO))


def test_links_escape_the_uploaded_file_name(sandbox):
    data = secrets.token_bytes(50)
    grant = privilege(sandbox, ALPHA, data, name="../../evil sh?.mp4")
    s3_of(grant).put_object(Bucket=grant["bucketName"], Key=object_key(grant), Body=data)
    url = call(sandbox, "files.complete", {"fileId": grant["fileId"]}, ALPHA)["url"]
    name = url.rsplit("/", 1)[1]
    assert name == "..%2F..%2Fevil%20sh%3F.mp4"
    assert httpx.get(url).content == data
