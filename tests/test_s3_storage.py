"""Uploads through the S3 protocol: the sandbox's object store, boto3 multipart, expiring
credentials, retries, streamed MD5 and streamed downloads, all over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import itertools
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import httpx
import pytest
import uvicorn
from botocore.config import Config
from botocore.exceptions import ClientError

from qavix_lab.client.download import download, save
from qavix_lab.client.drivers import run_in_thread
from qavix_lab.client.effects import Blocking
from qavix_lab.client.hashing import md5_of
from qavix_lab.client.storage import S3Storage, UploadTarget
from qavix_lab.errors import LinkExpired, UploadError
from qavix_lab.sandbox.s3 import ObjectStore, S3Call, S3Denied, S3Error, make_s3_app
from qavix_lab.spec import UploadPrivilege

MiB = 1024 * 1024
BUCKET = "qavix-uploads"
SMALL_PARTS = {"multipart_threshold": 5 * MiB, "part_size": 5 * MiB}


# --- a sandbox store on a free port --------------------------------------------------------------
@dataclass
class Credential:
    secret: str | None  # None: the signature is not checked
    token: str
    expires: float
    uses: int | None = None  # requests left before it counts as expired


class Credentials:
    """An expiring credential table, like the sandbox's, with the S3 app's ``authorize``."""

    def __init__(self) -> None:
        self.table: dict[str, Credential] = {}
        self.lock = threading.Lock()
        self.offset = 0.0  # shifts the app's clock, to expire presigned URLs without sleeping

    def now(self) -> float:
        return time.time() + self.offset

    def issue(self, ttl: float = 600.0, uses: int | None = None, signed: bool = True) -> tuple:
        access = "AKTEST" + secrets.token_hex(6).upper()
        secret, token = secrets.token_urlsafe(24), secrets.token_urlsafe(32)
        self.table[access] = Credential(secret if signed else None, token, time.time() + ttl, uses)
        return access, secret, token

    def expire(self, access: str) -> None:
        self.table[access].expires = 0.0

    def authorize(self, access: str, token: str | None) -> str | None:
        with self.lock:
            entry = self.table.get(access)
            if entry is None:
                raise S3Denied("InvalidAccessKeyId", "The AWS Access Key Id you provided does not "
                               "exist in our records.", 403)
            if token != entry.token:
                raise S3Denied("InvalidToken", "The provided token is malformed.", 400)
            if time.time() >= entry.expires or entry.uses == 0:
                raise S3Denied("ExpiredToken", "The provided token has expired.", 400)
            if entry.uses is not None:
                entry.uses -= 1
            return entry.secret


class Recorder:
    """The fault hook: records every accepted request; ``fail[(operation, part)] = n`` fails n."""

    def __init__(self) -> None:
        self.calls: list[S3Call] = []
        self.fail: dict[tuple[str, int | None], int] = {}
        self.after_part: dict[int, object] = {}  # part number -> callable run when it arrives

    def __call__(self, call: S3Call) -> S3Error | None:
        self.calls.append(call)
        if call.operation == "UploadPart" and call.part_number in self.after_part:
            self.after_part.pop(call.part_number)()
        if self.fail.get((call.operation, call.part_number)):
            self.fail[(call.operation, call.part_number)] -= 1
            return S3Error("InternalError", "injected failure", 500)
        return None

    def parts_by(self, access: str | None = None) -> list[int]:
        return sorted(c.part_number for c in self.calls if c.operation == "UploadPart"
                      and access in (None, c.access_key))

    def operations(self) -> list[str]:
        return [c.operation for c in self.calls]


@dataclass
class S3Sandbox:
    endpoint: str
    store: ObjectStore
    credentials: Credentials
    recorder: Recorder

    def target(self, key: str, **issue) -> UploadTarget:
        access, secret, token = self.credentials.issue(**issue)
        expires = datetime.fromtimestamp(self.credentials.table[access].expires, UTC)
        return UploadTarget(self.endpoint, BUCKET, key, access, secret, token, expires)

    def boto3(self, target: UploadTarget):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=target.access_key,
                            aws_secret_access_key=target.secret_key,
                            aws_session_token=target.session_token,
                            config=Config(signature_version="s3v4",
                                          s3={"addressing_style": "path"},
                                          retries={"mode": "standard", "max_attempts": 1}))


@contextlib.contextmanager
def serving(app):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    store = ObjectStore(tmp_path_factory.mktemp("objects"))
    credentials, recorder = Credentials(), Recorder()
    app = make_s3_app(store, credentials.authorize, faults=recorder, clock=credentials.now)
    with serving(app) as endpoint:
        yield S3Sandbox(endpoint, store, credentials, recorder)


@pytest.fixture
def s3(server):
    server.recorder.__init__()
    server.credentials.offset = 0.0
    return server


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """40 MiB and a bit: eight 5 MiB parts and a short last one."""
    path = tmp_path_factory.mktemp("files") / "big.mp4"
    path.write_bytes(secrets.token_bytes(40 * MiB + 1234))
    return path


def md5_file(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def recording():
    seen: list[int] = []
    return seen, seen.append


def assert_progress(seen: list[int], total: int) -> None:
    assert seen, "progress was never reported"
    assert all(a < b for a, b in itertools.pairwise(seen)), "progress went backwards or stalled"
    assert seen[-1] == total


def no_renewal():
    raise AssertionError("renew() should not be needed")


# --- md5_of --------------------------------------------------------------------------------------
def test_md5_of_matches_hashlib_for_a_path_bytes_and_a_file_object(tmp_path):
    data = secrets.token_bytes(3 * MiB + 17)
    path = tmp_path / "clip.bin"
    path.write_bytes(data)
    expected = hashlib.md5(data).hexdigest()
    seen, progress = recording()

    assert md5_of(path, chunk_size=MiB, progress=progress) == expected
    assert_progress(seen, len(data))
    assert md5_of(str(path)) == expected
    assert md5_of(data, chunk_size=MiB) == expected
    assert md5_of(memoryview(data)) == expected

    stream = io.BytesIO(b"head" + data)
    stream.seek(4)
    assert md5_of(stream, chunk_size=MiB) == expected
    assert stream.tell() == 4  # rewound, ready to be uploaded
    with open(path, "rb") as file:
        assert md5_of(file) == expected
        assert file.tell() == 0


def test_md5_of_refuses_what_it_cannot_read(tmp_path):
    from qavix_lab.errors import MediaError, ValidationError

    with pytest.raises(MediaError, match="cannot read"):
        md5_of(tmp_path / "missing.mp4")
    with pytest.raises(ValidationError, match="text mode"):
        md5_of(io.StringIO("text"))
    with pytest.raises(ValidationError):
        md5_of(b"x", chunk_size=0)


# --- uploads -------------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [0, 1000, 3 * MiB])
def test_a_file_below_the_threshold_goes_in_one_put(s3, tmp_path, size):
    path = tmp_path / "voice.mp3"
    path.write_bytes(secrets.token_bytes(size))
    target = s3.target("openapi/20240101/voice.mp3")
    seen, progress = recording()

    S3Storage().put(path, size, target, renew=no_renewal, progress=progress)

    assert s3.recorder.operations() == ["PutObject"]
    assert s3.store.md5(BUCKET, target.key) == md5_file(path)
    assert s3.store.info(BUCKET, target.key).content_type == "audio/mpeg"
    if size:
        assert_progress(seen, size)


def test_a_large_file_goes_in_parts_with_progress_to_the_total(s3, big_file):
    target = s3.target("openapi/20240101/big.mp4")
    seen, progress = recording()

    S3Storage(**SMALL_PARTS).put(big_file, big_file.stat().st_size, target, renew=no_renewal,
                                 progress=progress)

    assert s3.recorder.parts_by() == list(range(1, 10))
    assert s3.recorder.operations()[0] == "CreateMultipartUpload"
    assert s3.recorder.operations()[-1] == "CompleteMultipartUpload"
    assert_progress(seen, big_file.stat().st_size)
    assert len(seen) > 9  # counted while sending, not only per finished part
    assert s3.store.md5(BUCKET, target.key) == md5_file(big_file)
    assert s3.store.info(BUCKET, target.key).etag.endswith("-9")


def test_progress_counts_bytes_sent_not_bytes_hashed_for_the_signature(s3, big_file):
    target = s3.target("openapi/honest.mp4")
    seen, progress = recording()
    when_part_arrives: dict[int, int] = {}  # part number -> progress reported at that moment
    for number in range(1, 10):
        s3.recorder.after_part[number] = lambda n=number: when_part_arrives.setdefault(
            n, seen[-1] if seen else 0)

    S3Storage(**SMALL_PARTS, max_concurrency=1).put(
        big_file, big_file.stat().st_size, target, renew=no_renewal, progress=progress)

    # SigV4 reads each part once for its SHA-256 before sending; that read must not count.
    assert all(when_part_arrives[n] <= (n - 1) * 5 * MiB for n in range(1, 10))
    assert_progress(seen, big_file.stat().st_size)


def test_a_file_object_uploads_from_its_position_and_is_put_back(s3):
    data = secrets.token_bytes(11 * MiB)
    stream = io.BytesIO(b"junk" + data)
    stream.seek(4)
    target = s3.target("openapi/stream.bin")

    S3Storage(**SMALL_PARTS).put(stream, len(data), target, renew=no_renewal)

    assert stream.tell() == 4
    assert s3.store.md5(BUCKET, target.key) == hashlib.md5(data).hexdigest()


@pytest.mark.parametrize("how", ["the store answers ExpiredToken", "expires_at passes"])
def test_credentials_expiring_mid_upload_are_renewed_without_resending_parts(s3, big_file, how):
    first = s3.target("openapi/renewed.mp4")
    fresh: list[UploadTarget] = []

    def renew() -> UploadTarget:
        fresh.append(s3.target(first.key))
        return fresh[-1]

    def lapse() -> None:  # once part 2 is in, the first credentials run out
        if how == "expires_at passes":  # the store would still take them: the client must see
            first.expires_at = datetime.now(UTC) - timedelta(seconds=1)
        else:
            s3.credentials.expire(first.access_key)

    s3.recorder.after_part[2] = lapse
    seen, progress = recording()

    S3Storage(**SMALL_PARTS, max_concurrency=2).put(
        big_file, big_file.stat().st_size, first, renew=renew, progress=progress)

    assert len(fresh) == 1
    assert 2 in s3.recorder.parts_by(first.access_key)
    assert s3.recorder.parts_by(fresh[0].access_key)  # the rest went with the new credentials
    assert s3.recorder.parts_by() == list(range(1, 10))  # each part stored exactly once
    assert "ListParts" in s3.recorder.operations()
    assert s3.recorder.operations().count("CreateMultipartUpload") == 1  # the same upload
    assert_progress(seen, big_file.stat().st_size)
    assert s3.store.md5(BUCKET, first.key) == md5_file(big_file)


def test_renewal_to_a_new_key_restarts_there_and_aborts_the_old_upload(s3, big_file):
    first = s3.target("openapi/old-name.mp4", uses=3)
    fresh = s3.target("openapi/new-name.mp4")

    S3Storage(**SMALL_PARTS).put(big_file, big_file.stat().st_size, first, renew=lambda: fresh)

    assert s3.store.md5(BUCKET, fresh.key) == md5_file(big_file)
    assert not s3.store.exists(BUCKET, first.key)
    aborted = [c for c in s3.recorder.calls if c.operation == "AbortMultipartUpload"]
    assert [c.key for c in aborted] == [first.key]


def test_credentials_that_keep_expiring_end_in_an_upload_error(s3, tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)
    stale = s3.target("openapi/a.bin")
    stale.expires_at = datetime.now(UTC) - timedelta(minutes=1)

    with pytest.raises(UploadError, match="expired 3 times in a row"):
        S3Storage().put(path, 100, stale, renew=lambda: replace(stale))

    assert s3.recorder.calls == []


def test_a_part_failing_once_with_500_is_retried(s3, big_file):
    target = s3.target("openapi/retried.mp4")
    s3.recorder.fail[("UploadPart", 3)] = 1
    seen, progress = recording()

    S3Storage(**SMALL_PARTS).put(big_file, big_file.stat().st_size, target, renew=no_renewal,
                                 progress=progress)

    assert s3.recorder.parts_by().count(3) == 2
    assert_progress(seen, big_file.stat().st_size)
    assert s3.store.md5(BUCKET, target.key) == md5_file(big_file)


@pytest.mark.parametrize("wrong, code", [("access_key", "InvalidAccessKeyId"),
                                         ("secret_key", "SignatureDoesNotMatch")])
def test_wrong_credentials_raise_an_upload_error_that_hides_them(s3, big_file, wrong, code):
    target = replace(s3.target("openapi/denied.mp4"), **{wrong: "WRONG" + secrets.token_hex(8)})

    with pytest.raises(UploadError) as caught:
        S3Storage(**SMALL_PARTS).put(big_file, big_file.stat().st_size, target,
                                     renew=no_renewal)

    text = str(caught.value) + repr(caught.value)
    assert code in text and "starting the multipart upload" in text
    assert caught.value.http_status == 403
    for secret in (target.access_key, target.secret_key, target.session_token):
        assert secret not in text


def test_a_size_that_does_not_match_the_file_is_refused(s3, tmp_path):
    from qavix_lab.errors import ValidationError

    path = tmp_path / "short.bin"
    path.write_bytes(b"12345")
    with pytest.raises(ValidationError, match="5 bytes"):
        S3Storage().put(path, 6, s3.target("openapi/short.bin"), renew=no_renewal)


@pytest.mark.parametrize("concurrency", [1, 4])
def test_a_file_cut_short_during_the_upload_fails_with_its_name_and_stores_nothing(
        s3, tmp_path, concurrency):
    path = tmp_path / "growing.mp4"
    path.write_bytes(secrets.token_bytes(20 * MiB))
    target = s3.target("openapi/cut.mp4")
    s3.recorder.after_part[1] = lambda: os.truncate(path, 7 * MiB)  # another program cut it

    with pytest.raises(UploadError, match="changed during the upload") as caught:
        S3Storage(**SMALL_PARTS, max_concurrency=concurrency).put(
            path, 20 * MiB, target, renew=no_renewal)

    assert "AbortMultipartUpload" in s3.recorder.operations()
    assert "CompleteMultipartUpload" not in s3.recorder.operations()
    assert s3.store.info(BUCKET, target.key) is None
    assert caught.value.where == target.location


def test_upload_target_from_a_privilege_hides_its_secrets():
    privilege = UploadPrivilege.from_json({
        "fileId": "61", "bucketName": "qavix-uploads", "endPoint": "obs.cn-north-4.example.com",
        "dirPath": "openapi/20240101", "randomName": "abc.mp4", "uploadComplete": False,
        "temporaryAccessKey": {"expiresAt": "2030-01-01T00:00:00Z", "access": "AKPRIVILEGE1",
                               "secret": "SECRETPRIVILEGE", "securitytoken": "TOKENPRIVILEGE",
                               "endPoint": "obs.cn-north-4.example.com",
                               "bucketName": "qavix-uploads"}})

    target = UploadTarget.from_privilege(privilege)

    assert target.endpoint == "https://obs.cn-north-4.example.com"
    assert (target.bucket, target.key) == ("qavix-uploads", "openapi/20240101/abc.mp4")
    assert target.expires_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert not any(s in repr(target) for s in ("AKPRIVILEGE1", "SECRETPRIVILEGE",
                                                "TOKENPRIVILEGE"))


# --- the store speaks S3 -------------------------------------------------------------------------
def test_the_store_serves_ranges_heads_and_s3_errors_to_boto3(s3):
    target = s3.target("openapi/ranges.bin")
    client = s3.boto3(target)
    data = secrets.token_bytes(10_000)
    client.put_object(Bucket=BUCKET, Key=target.key, Body=data)

    part = client.get_object(Bucket=BUCKET, Key=target.key, Range="bytes=100-199")
    assert part["Body"].read() == data[100:200]
    assert part["ContentRange"] == "bytes 100-199/10000"
    tail = client.get_object(Bucket=BUCKET, Key=target.key, Range="bytes=-10")
    assert tail["Body"].read() == data[-10:]
    assert client.head_object(Bucket=BUCKET, Key=target.key)["ContentLength"] == 10_000
    with pytest.raises(ClientError, match="InvalidRange"):
        client.get_object(Bucket=BUCKET, Key=target.key, Range="bytes=20000-")
    with pytest.raises(ClientError, match="NoSuchKey"):
        client.get_object(Bucket=BUCKET, Key="openapi/missing.bin")
    with pytest.raises(ClientError, match="404"):
        client.head_object(Bucket=BUCKET, Key="openapi/missing.bin")
    client.delete_object(Bucket=BUCKET, Key=target.key)
    assert not s3.store.exists(BUCKET, target.key)


def test_the_store_checks_multipart_completion_like_s3(s3):
    target = s3.target("openapi/parts.bin")
    client = s3.boto3(target)
    upload = client.create_multipart_upload(Bucket=BUCKET, Key=target.key)["UploadId"]
    etags = [client.upload_part(Bucket=BUCKET, Key=target.key, UploadId=upload, PartNumber=n,
                                Body=bytes([n]) * size)["ETag"]
             for n, size in [(1, 5 * MiB), (2, 1000), (3, 10)]]

    page = client.list_parts(Bucket=BUCKET, Key=target.key, UploadId=upload, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2] and page["IsTruncated"]
    rest = client.list_parts(Bucket=BUCKET, Key=target.key, UploadId=upload,
                             PartNumberMarker=page["NextPartNumberMarker"])
    assert [p["Size"] for p in rest["Parts"]] == [10] and not rest["IsTruncated"]

    def complete(parts):
        return client.complete_multipart_upload(
            Bucket=BUCKET, Key=target.key, UploadId=upload,
            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})

    with pytest.raises(ClientError, match="InvalidPart"):
        complete([(1, etags[0]), (2, '"' + "0" * 32 + '"')])
    with pytest.raises(ClientError, match="EntityTooSmall"):
        complete([(1, etags[0]), (2, etags[1]), (3, etags[2])])
    answer = complete([(1, etags[0]), (3, etags[2])])
    digests = b"".join(bytes.fromhex(e.strip('"')) for e in (etags[0], etags[2]))
    assert answer["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-2"'
    assert s3.store.md5(BUCKET, target.key) == hashlib.md5(b"\x01" * 5 * MiB + b"\x03" * 10
                                                           ).hexdigest()
    with pytest.raises(ClientError, match="NoSuchUpload"):
        client.abort_multipart_upload(Bucket=BUCKET, Key=target.key, UploadId=upload)


def test_the_store_accepts_aws_chunked_bodies(s3):
    access, _, token = s3.credentials.issue(signed=False)
    data = secrets.token_bytes(70_000)
    chunks = [data[:65536], data[65536:]]
    body = b"".join(b"%x;chunk-signature=%s\r\n%s\r\n" % (len(c), b"0" * 64, c) for c in chunks)
    body += b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"
    headers = {"Authorization": f"AWS4-HMAC-SHA256 Credential={access}/20240101/us-east-1/s3/"
                                "aws4_request, SignedHeaders=host, Signature=" + "0" * 64,
               "x-amz-security-token": token, "x-amz-date": "20240101T000000Z",
               "content-encoding": "aws-chunked",
               "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
               "x-amz-decoded-content-length": str(len(data))}

    answer = httpx.put(f"{s3.endpoint}/{BUCKET}/openapi/chunked.bin", content=body,
                       headers=headers)

    assert answer.status_code == 200, answer.text
    assert s3.store.md5(BUCKET, "openapi/chunked.bin") == hashlib.md5(data).hexdigest()
    anonymous = httpx.get(f"{s3.endpoint}/{BUCKET}/openapi/chunked.bin")
    assert anonymous.status_code == 403 and "<Code>AccessDenied</Code>" in anonymous.text


def test_a_refused_upload_closes_its_connection_so_the_unread_body_cannot_poison_it(s3):
    refused = httpx.put(f"{s3.endpoint}/{BUCKET}/openapi/refused.bin", content=b"x" * 100_000)

    assert refused.status_code == 403
    assert refused.headers["connection"] == "close"


def test_the_store_takes_files_and_bytes_from_the_sandbox_itself(tmp_path):
    store = ObjectStore(tmp_path / "objects")
    source = tmp_path / "dubbed.mp4"
    source.write_bytes(b"video" * 1000)

    info = store.put_file("qavix-outputs", "8200/dubbed.mp4", source)

    assert source.exists() and store.path("qavix-outputs", "8200/dubbed.mp4").read_bytes() == (
        b"video" * 1000)
    assert info.etag == hashlib.md5(b"video" * 1000).hexdigest() == store.md5(
        "qavix-outputs", "8200/dubbed.mp4")
    assert info.content_type == "video/mp4"
    assert store.put_bytes("qavix-outputs", "8200/a.srt", b"1").size == 1
    store.delete("qavix-outputs", "8200/a.srt")
    assert store.path("qavix-outputs", "8200/a.srt") is None


@pytest.mark.parametrize("key", ["../escape", "a//b", "a/./b", "trailing/"])
def test_the_store_refuses_keys_that_are_not_plain_paths(tmp_path, key):
    with pytest.raises(S3Error):
        ObjectStore(tmp_path).object_file(BUCKET, key)


# --- downloads -----------------------------------------------------------------------------------
def fetch(mode: str, url: str, dest: Path, **kw) -> Path:
    if mode == "sync":
        return download(url, dest, **kw)
    # The async client runs the same function in a worker thread.
    effect = Blocking(lambda stop: save(url, dest, stop=stop, **kw))
    return asyncio.run(run_in_thread(effect)).path


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_download_streams_to_disk_with_progress(s3, tmp_path, mode):
    target = s3.target("openapi/out.mp4")
    # an MP4's opening box, then noise: downloads check that media opens like its suffix
    data = b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(3 * MiB + 5)
    s3.store.put_bytes(BUCKET, target.key, data)
    url = s3.boto3(target).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": target.key}, ExpiresIn=600)
    seen: list[tuple[int, int | None]] = []

    path = fetch(mode, url, tmp_path / "nested" / "dubbed.mp4", chunk_size=256 * 1024,
                 progress=lambda done, total: seen.append((done, total)))

    assert path.read_bytes() == data
    assert_progress([done for done, _ in seen], len(data))
    assert {total for _, total in seen} == {len(data)}
    assert [p.name for p in path.parent.iterdir()] == ["dubbed.mp4"]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_expired_link_raises_link_expired_and_leaves_no_file(s3, tmp_path, mode):
    target = s3.target("openapi/late.mp4")
    s3.store.put_bytes(BUCKET, target.key, b"late")
    url = s3.boto3(target).generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": target.key}, ExpiresIn=60)
    s3.credentials.offset = 120.0  # the link is two minutes old now

    with pytest.raises(LinkExpired) as caught:
        fetch(mode, url, tmp_path / "late.mp4")

    assert caught.value.http_status == 403
    assert "X-Amz-Signature" not in str(caught.value) and target.session_token not in str(
        caught.value)
    assert list(tmp_path.iterdir()) == []
