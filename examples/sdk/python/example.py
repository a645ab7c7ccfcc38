"""Pointing the Python international SDK at faceid-emulator.

ApplyWebVerificationBizTokenIntl, then (instead of a person in a browser)
the emulator's control API completes the verification, then
GetWebVerificationResultIntl reads the result.

    pip install tencentcloud-sdk-python-intl-en
    python example.py                # prints "ErrorCode: 0 (...)"

Environment (all optional):
    FACEID_ENDPOINT       host:port of the emulator, WITHOUT a scheme (default 127.0.0.1:8780)
    FACEID_SECRET_ID      default: the emulator's documented default credential
    FACEID_SECRET_KEY
    FACEID_REGION         default ap-singapore
    EMULATOR_ADMIN_TOKEN  only if the emulator runs with one (control API)

The one Python gotcha: pass protocol="http" to the HttpProfile
*constructor*. The constructor copies it into hp.scheme, which is what the
SDK uses; assigning hp.protocol = "http" afterwards does nothing and the
SDK keeps calling https://. (Setting hp.scheme = "http" also works.)
An endpoint with a scheme ("http://127.0.0.1:8780") is wrong too: it ends
up in the Host header and the emulator answers 400 (ServerNetworkError).
"""

import json
import os
import sys
import urllib.request

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.faceid.v20180301 import faceid_client, models

# The emulator's documented default credential; it is not a secret.
DEFAULT_SECRET_ID = "AKIDEMULATOR00000000000000000000000"
DEFAULT_SECRET_KEY = "emulator-secret-key-0000000000000000"

ENDPOINT = os.environ.get("FACEID_ENDPOINT") or "127.0.0.1:8780"
SECRET_ID = os.environ.get("FACEID_SECRET_ID") or DEFAULT_SECRET_ID
SECRET_KEY = os.environ.get("FACEID_SECRET_KEY") or DEFAULT_SECRET_KEY
REGION = os.environ.get("FACEID_REGION") or "ap-singapore"


def new_client():
    hp = HttpProfile(protocol="http", endpoint=ENDPOINT, reqTimeout=30)  # in the constructor!
    cp = ClientProfile(httpProfile=hp)  # TC3-HMAC-SHA256 is the default here
    return faceid_client.FaceidClient(credential.Credential(SECRET_ID, SECRET_KEY), REGION, cp)


def complete(token, error_code=0):
    """Finish the verification through the emulator's control API (emulator-only;
    in production the user does this in the browser)."""
    req = urllib.request.Request(
        "http://%s/_emulator/sessions/%s/complete" % (ENDPOINT, token),
        data=json.dumps({"ErrorCode": error_code}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    admin_token = os.environ.get("EMULATOR_ADMIN_TOKEN")
    if admin_token:
        req.add_header("Authorization", "Bearer " + admin_token)
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


def main():
    client = new_client()

    # 1. Apply: what the merchant backend does when a user starts eKYC.
    apply_req = models.ApplyWebVerificationBizTokenIntlRequest()
    apply_req.from_json_string(json.dumps({
        "RedirectURL": "https://merchant.example/kyc/done",
        "Extra": "order-42",
    }))
    applied = client.ApplyWebVerificationBizTokenIntl(apply_req)
    print("BizToken:", applied.BizToken)
    print("VerificationURL:", applied.VerificationURL)

    # 2. The user would open VerificationURL; the emulator lets a test skip it.
    complete(applied.BizToken, 0)

    # 3. Get: what the merchant backend does on the RedirectURL callback.
    get_req = models.GetWebVerificationResultIntlRequest()
    get_req.BizToken = applied.BizToken
    result = client.GetWebVerificationResultIntl(get_req)
    if result.ErrorCode is None:
        print("ErrorCode: null (verification still pending)")
    else:
        print("ErrorCode: %d (%s)" % (result.ErrorCode, result.ErrorMsg))


if __name__ == "__main__":
    try:
        main()
    except TencentCloudSDKException as err:
        print("error: %s: %s (RequestId %s)" % (err.get_code(), err.get_message(), err.get_request_id()),
              file=sys.stderr)
        sys.exit(1)
