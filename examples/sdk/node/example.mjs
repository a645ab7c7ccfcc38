// Pointing the Node.js international SDK (npm tencentcloud-sdk-nodejs-intl-en)
// at faceid-emulator: ApplyWebVerificationBizTokenIntl, then (instead of a
// person in a browser) the emulator's control API completes the
// verification, then GetWebVerificationResultIntl reads the result.
//
//   cd examples/sdk/node
//   npm ci                           # the SDK version package-lock.json pins (node_modules/ is git-ignored)
//   node example.mjs                 # prints "ErrorCode: 0 (...)"
//
// Environment (all optional):
//   FACEID_ENDPOINT      host:port of the emulator, WITHOUT a scheme (default 127.0.0.1:8780)
//   FACEID_SECRET_ID     default: the emulator's documented default credential
//   FACEID_SECRET_KEY
//   FACEID_REGION        default ap-singapore
//   EMULATOR_ADMIN_TOKEN only if the emulator runs with one (control API)
//
// Only the HttpProfile differs from production: protocol "http://" (with
// the "://") and the endpoint host:port.
//
// Node.js 18 or later (global fetch).
import tencentcloud from "tencentcloud-sdk-nodejs-intl-en";

const { Credential, ClientProfile, HttpProfile } = tencentcloud.common;
const FaceidClient = tencentcloud.faceid.v20180301.Client;

// The emulator's documented default credential; it is not a secret.
const DEFAULT_SECRET_ID = "AKIDEMULATOR00000000000000000000000";
const DEFAULT_SECRET_KEY = "emulator-secret-key-0000000000000000";

const endpoint = process.env.FACEID_ENDPOINT || "127.0.0.1:8780";
const secretId = process.env.FACEID_SECRET_ID || DEFAULT_SECRET_ID;
const secretKey = process.env.FACEID_SECRET_KEY || DEFAULT_SECRET_KEY;
const region = process.env.FACEID_REGION || "ap-singapore";

// new HttpProfile(protocol, endpoint, reqMethod, reqTimeout, headers)
const httpProfile = new HttpProfile("http://", endpoint, "POST", 30);
// "TC3-HMAC-SHA256" as in production code; leaving the sign method out
// gives this SDK's default (v1 HmacSHA256, form body), which the emulator
// accepts too.
const clientProfile = new ClientProfile("TC3-HMAC-SHA256", httpProfile);
const client = new FaceidClient(new Credential(secretId, secretKey), region, clientProfile);

// The SDK's actions take a callback (err, response); wrap them in promises.
function call(action, request) {
  return new Promise((resolve, reject) => {
    client[action](request, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

// complete finishes the verification through the emulator's control API
// (emulator-only; in production the user does this in the browser).
async function complete(token, errorCode) {
  const headers = { "Content-Type": "application/json" };
  if (process.env.EMULATOR_ADMIN_TOKEN) {
    headers.Authorization = `Bearer ${process.env.EMULATOR_ADMIN_TOKEN}`;
  }
  const res = await fetch(`http://${endpoint}/_emulator/sessions/${token}/complete`, {
    method: "POST",
    headers,
    body: JSON.stringify({ ErrorCode: errorCode }),
  });
  if (!res.ok) {
    throw new Error(`complete: HTTP ${res.status}: ${await res.text()}`);
  }
}

async function main() {
  // 1. Apply: what the merchant backend does when a user starts eKYC.
  const applied = await call("ApplyWebVerificationBizTokenIntl", {
    RedirectURL: "https://merchant.example/kyc/done",
    Extra: "order-42",
  });
  console.log("BizToken:", applied.BizToken);
  console.log("VerificationURL:", applied.VerificationURL);

  // 2. The user would open VerificationURL; the emulator lets a test skip it.
  await complete(applied.BizToken, 0);

  // 3. Get: what the merchant backend does on the RedirectURL callback.
  const result = await call("GetWebVerificationResultIntl", { BizToken: applied.BizToken });
  if (result.ErrorCode === null || result.ErrorCode === undefined) {
    console.log("ErrorCode: null (verification still pending)");
    return;
  }
  console.log(`ErrorCode: ${result.ErrorCode} (${result.ErrorMsg})`);
}

main().catch((err) => {
  // API errors are TencentCloudSDKHttpException with .code and .requestId.
  console.error("error:", err.code ? `${err.code}: ${err.message} (RequestId ${err.requestId})` : err);
  process.exit(1);
});
