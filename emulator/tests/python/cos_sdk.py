"""Drives the emulator's COS store with Tencent's own Python COS SDK (cos-python-sdk-v5).

Run by tests/python_cos.rs with one JSON argument: the COS listener as a custom domain, the
bucket, a key (an ApplyUploadUGC storagePath without its leading slash) and the temporary
credentials from that Apply. Prints a JSON report on stdout; any failure raises.
"""

import hashlib
import json
import os
import sys
import tempfile

from qcloud_cos import CosConfig, CosS3Client

MIB = 1024 * 1024


def data(length, seed):
    return bytes((i * 31 + seed) % 256 for i in range(length))


def main():
    cfg = json.loads(sys.argv[1])
    conf = CosConfig(
        Region=cfg["region"],
        SecretId=cfg["secret_id"],
        SecretKey=cfg["secret_key"],
        Token=cfg["token"],
        Domain=cfg["domain"],
        Scheme="http",
    )
    client = CosS3Client(conf, retry=0)
    bucket, key = cfg["bucket"], cfg["key"]
    report = {}

    # multipart, call by call: initiate, parts, list, complete, download
    body = data(3 * MIB + 12345, 7)
    upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    parts = []
    for number, start in enumerate(range(0, len(body), MIB), 1):
        etag = client.upload_part(
            Bucket=bucket,
            Key=key,
            Body=body[start : start + MIB],
            PartNumber=number,
            UploadId=upload_id,
        )["ETag"]
        parts.append({"PartNumber": number, "ETag": etag})
    listed = client.list_parts(Bucket=bucket, Key=key, UploadId=upload_id)
    report["listed_parts"] = [int(p["PartNumber"]) for p in listed["Part"]]
    report["listed_sizes"] = [int(p["Size"]) for p in listed["Part"]]
    uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=key)
    report["uploads_in_progress"] = [u["UploadId"] for u in uploads.get("Upload", [])]
    done = client.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Part": parts}
    )
    report["complete_etag"] = done["ETag"]
    got = client.get_object(Bucket=bucket, Key=key)["Body"].get_raw_stream().read()
    report["downloaded_matches"] = got == body
    report["sha1"] = hashlib.sha1(body).hexdigest()
    head = client.head_object(Bucket=bucket, Key=key)
    report["head_length"] = int(head["Content-Length"])

    # the SDK's own resumable, threaded upload_file, into the same folder
    folder = key[: key.rindex("/") + 1]
    second = folder + "python-upload-file.bin"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "file.bin")
        with open(path, "wb") as f:
            f.write(data(2 * MIB + 999, 3))
        client.upload_file(
            Bucket=bucket, Key=second, LocalFilePath=path, PartSize=1, MAXThread=3
        )
        back = os.path.join(tmp, "back.bin")
        client.download_file(Bucket=bucket, Key=second, DestFilePath=back)
        with open(path, "rb") as a, open(back, "rb") as b:
            report["upload_file_round_trip"] = a.read() == b.read()

    print(json.dumps(report))


if __name__ == "__main__":
    main()
