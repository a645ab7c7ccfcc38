// The per-signing-mode suite. Each <mode>.test.mjs file calls
// defineModeSuite once, so node --test runs the modes in parallel processes
// and reports them separately. Every case runs twice: with a permanent
// credential and with a temporary one (SecretId, SecretKey, Token).

import { describe, it, before } from "node:test";
import assert from "node:assert/strict";

import {
  MODES,
  emulatorEnv,
  newClient,
  call,
  callGeneric,
  withClockOffset,
  complete,
  control,
  rejection,
  resultMessage,
  apiErrorMessages,
  newTraceId,
  flowApplyRequest,
  FLOW_EXTRA,
  LOWER_UUID,
  UPPER_UUID,
  SMALL_JPEG_BASE64,
} from "./helpers.mjs";

const APPLY = "ApplyWebVerificationBizTokenIntl";
const GET = "GetWebVerificationResultIntl";
const TEST_TIMEOUT = 30_000;

// assertSDKError checks the exception the SDK raised for an API error:
// its code, its message (the catalogue text, or matching a RegExp for the
// per-parameter messages), a lower-case UUID RequestId and the trace id the
// emulator echoed in the X-TC-TraceId response header.
function assertSDKError(err, code, traceId, message) {
  assert.equal(err.code, code, `exception code (message ${JSON.stringify(err.message)})`);
  if (message instanceof RegExp) {
    assert.match(err.message, message);
  } else {
    assert.ok(apiErrorMessages(code).includes(err.message), `message ${JSON.stringify(err.message)} is not a catalogue text of ${code}`);
  }
  assert.match(err.requestId, LOWER_UUID, "exception.requestId");
  assert.equal(err.httpCode, undefined, "an API error must come with HTTP 200");
  if (traceId !== undefined) assert.equal(err.traceId, traceId, "exception.traceId (response X-TC-TraceId)");
}

export function defineModeSuite(modeName) {
  const mode = MODES[modeName];
  assert.ok(mode, `unknown mode ${modeName}`);

  describe(`Node intl SDK, ${modeName}`, () => {
    let env;
    before(() => {
      env = emulatorEnv();
    });

    it("client profile uses the expected signing method and HTTP method", () => {
      const c = newClient(mode, emulatorEnv().main);
      assert.equal(c.profile.signMethod, mode.signMethod ?? "HmacSHA256");
      assert.equal(c.profile.httpProfile.reqMethod, mode.reqMethod ?? "POST");
      assert.equal(c.sdkVersion, "SDK_NODEJS_INTL_EN3.0.1335");
    });

    for (const variant of ["permanent credential", "temporary credential (token)"]) {
      const temporary = variant.startsWith("temporary");
      describe(variant, () => {
        let own, client;
        before(() => {
          own = temporary ? env.temp : { ...env.main };
          client = newClient(mode, own);
        });

        async function applyOK(req, c = client) {
          const resp = await call(c, APPLY, req);
          assert.match(resp.BizToken, UPPER_UUID, "BizToken");
          assert.match(resp.RequestId, LOWER_UUID, "Apply RequestId");
          return resp;
        }

        it("Apply -> control complete -> Get returns the result", { timeout: TEST_TIMEOUT }, async () => {
          const applied = await applyOK(flowApplyRequest());
          assert.equal(applied.VerificationURL, `${env.baseURL}/reflect/?token=${applied.BizToken}`);

          const done = await complete(applied.BizToken, { ErrorCode: 0, Similarity: 91.5 });
          assert.ok(done, "complete answered a session");

          const got = await call(client, GET, { BizToken: applied.BizToken });
          assert.equal(got.ErrorCode, 0);
          assert.equal(got.ErrorMsg, resultMessage(0));
          assert.equal(got.Extra, FLOW_EXTRA, "Extra echoed exactly");
          assert.ok(Array.isArray(got.VerificationDetailList), "VerificationDetailList");
          assert.equal(got.VerificationDetailList.length, 1);
          const d = got.VerificationDetailList[0];
          assert.equal(d.Similarity, 91.5);
          assert.equal(d.LivenessErrorCode, 0);
          assert.equal(d.CompareErrorCode, 0);
          assert.match(d.Seq, LOWER_UUID, "Seq");
          assert.ok(d.ReqTimestamp > 1e12, `ReqTimestamp ${d.ReqTimestamp} in milliseconds`);
          assert.equal(typeof got.BestFrameBase64, "string");
          assert.ok(got.BestFrameBase64.startsWith("/9j/"), `BestFrameBase64 is not a JPEG: ${String(got.BestFrameBase64).slice(0, 12)}`);
          const jpeg = Buffer.from(got.BestFrameBase64, "base64");
          assert.deepEqual([...jpeg.subarray(0, 2)], [0xff, 0xd8]);
          assert.equal(typeof got.VideoBase64, "string");
          assert.ok(got.VideoBase64.length > 0, "VideoBase64");
          assert.equal(got.OCRResult, null, "OCRResult is null for CheckMode 2");
          assert.match(got.RequestId, LOWER_UUID, "Get RequestId");

          // A completed result is stable; each call has its own RequestId.
          const again = await call(client, GET, { BizToken: applied.BizToken });
          assert.notEqual(again.RequestId, got.RequestId);
          assert.deepEqual({ ...again, RequestId: null }, { ...got, RequestId: null });

          // The emulator's journal confirms what went over the wire: this
          // mode's HTTP method and signature method, the Node SDK's
          // RequestClient, a verified signature and the SDK's trace id.
          const j = await control("GET", `/_emulator/requests?bizToken=${applied.BizToken}`);
          assert.equal(j.status, 200, j.text);
          const recs = j.json.Requests;
          assert.deepEqual(recs.map((r) => r.action), [APPLY, GET, GET]);
          assert.equal(recs[0].requestId, applied.RequestId);
          for (const r of recs) {
            assert.equal(r.method, mode.reqMethod ?? "POST");
            assert.equal(r.signatureMethod, mode.signMethod ?? "HmacSHA256");
            assert.equal(r.sdk, "SDK_NODEJS_INTL_EN3.0.1335");
            assert.equal(r.signature, "ok");
            assert.equal(r.secretId, own.id);
            assert.equal(r.region, "ap-singapore");
            assert.match(r.traceId, LOWER_UUID);
          }
        });

        it("Get before completion is pending: ErrorCode null, Extra echoed", { timeout: TEST_TIMEOUT }, async () => {
          const applied = await applyOK(flowApplyRequest());
          const got = await call(client, GET, { BizToken: applied.BizToken });
          assert.equal(got.ErrorCode, null);
          assert.equal(got.ErrorMsg, null);
          assert.equal(got.VerificationDetailList, null);
          assert.equal(got.BestFrameBase64, null);
          assert.equal(got.VideoBase64, null);
          assert.equal(got.Extra, FLOW_EXTRA);
          assert.match(got.RequestId, LOWER_UUID);
        });

        describe("API errors raise TencentCloudSDKHttpException with the right code", () => {
          let token; // a valid BizToken of `own`
          before(async () => {
            token = (await applyOK({ RedirectURL: "https://merchant.example/cb" })).BizToken;
          });

          // Each case: a client (built lazily) and a request; every client
          // sets its own X-TC-TraceId so the echo can be checked.
          const cases = [
            ["wrong SecretKey -> AuthFailure.SignatureFailure", "AuthFailure.SignatureFailure",
              (h) => newClient(mode, { ...own, key: own.key + "-wrong" }, h), () => [GET, { BizToken: token }]],
            ["unknown SecretId -> AuthFailure.SecretIdNotFound", "AuthFailure.SecretIdNotFound",
              (h) => newClient(mode, { ...own, id: "AKIDNOBODYNOBODYNOBODYNOBODY000000" }, h), () => [GET, { BizToken: token }]],
            ["unknown action -> InvalidAction", "InvalidAction",
              (h) => newClient(mode, own, h), () => ["DescribeNothing", {}], true],
            ["unknown BizToken -> InvalidParameterValue.BizTokenIllegal", "InvalidParameterValue.BizTokenIllegal",
              (h) => newClient(mode, own, h), () => [GET, { BizToken: "00000000-0000-0000-0000-000000000000" }]],
            ["missing BizToken -> MissingParameter", "MissingParameter",
              (h) => newClient(mode, own, h), () => [GET, {}], false, /`BizToken`/],
            ["missing RedirectURL -> MissingParameter", "MissingParameter",
              (h) => newClient(mode, own, h), () => [APPLY, { Extra: "x" }], false, /`RedirectURL`/],
            ["ftp RedirectURL -> InvalidParameterValue", "InvalidParameterValue",
              (h) => newClient(mode, own, h), () => [APPLY, { RedirectURL: "ftp://merchant.example/cb" }], false, /`RedirectURL`/],
            ["Config.CheckMode 5 -> InvalidParameterValue", "InvalidParameterValue",
              (h) => newClient(mode, own, h), () => [APPLY, { RedirectURL: "https://merchant.example/cb", Config: { CheckMode: 5 } }], false, /`Config\.CheckMode`/],
            ["Extra over 1000 characters -> InvalidParameterValue", "InvalidParameterValue",
              (h) => newClient(mode, own, h), () => [APPLY, { RedirectURL: "https://merchant.example/cb", Extra: "x".repeat(1001) }], false, /`Extra`/],
            ["region cn-nowhere -> UnsupportedRegion", "UnsupportedRegion",
              (h) => newClient(mode, own, { ...h, region: "cn-nowhere" }), () => [GET, { BizToken: token }]],
          ];
          if (temporary) {
            cases.push(
              ["temporary SecretId without its token -> AuthFailure.TokenFailure", "AuthFailure.TokenFailure",
                (h) => newClient(mode, { id: own.id, key: own.key }, h), () => [GET, { BizToken: token }]],
              ["temporary SecretId with a wrong token -> AuthFailure.TokenFailure", "AuthFailure.TokenFailure",
                (h) => newClient(mode, { ...own, token: "not-the-session-token" }, h), () => [GET, { BizToken: token }]],
            );
          }
          // [name, code, client(headers), () => [action, params], generic request?, message RegExp?]
          for (const [name, code, mk, req, generic, message] of cases) {
            it(name, { timeout: TEST_TIMEOUT }, async () => {
              const traceId = newTraceId();
              const c = mk({ headers: { "X-TC-TraceId": traceId } });
              const [action, params] = req();
              const err = await rejection(generic ? callGeneric(c, action, params) : call(c, action, params));
              assertSDKError(err, code, traceId, message);
            });
          }

          // Size limits per transport (wire-protocol §2, §4.3): GET <= 32 KB,
          // v1 POST <= 1 MB (a larger v1 body is a signature failure telling
          // the caller to use TC3), TC3 POST <= 10 MB.
          const sizeCase = mode.reqMethod === "GET"
            ? ["a 40 KB query -> RequestSizeLimitExceeded", 40 * 1024, "RequestSizeLimitExceeded", undefined]
            : mode.tc3
              ? ["a 1.5 MB TC3 body is accepted", 1536 * 1024, null, undefined]
              : ["a 1.5 MB v1 body -> AuthFailure.SignatureFailure asking for TC3", 1536 * 1024, "AuthFailure.SignatureFailure", /exceeding request size limit, please use new signature method `TC3-HMAC-SHA256`/];
          it(`request size: ${sizeCase[0]}`, { timeout: TEST_TIMEOUT }, async () => {
            const [, size, code, message] = sizeCase;
            const image = Buffer.alloc((size * 3) / 4, 0x5a).toString("base64");
            const req = { RedirectURL: "https://merchant.example/cb", CompareImageBase64: image };
            if (code === null) {
              const resp = await applyOK(req);
              assert.match(resp.BizToken, UPPER_UUID);
              return;
            }
            const traceId = newTraceId();
            const err = await rejection(call(newClient(mode, own, { headers: { "X-TC-TraceId": traceId } }), APPLY, req));
            assertSDKError(err, code, traceId, message);
          });

          it("BizToken of another SecretId -> InvalidParameterValue.BizTokenIllegal", { timeout: TEST_TIMEOUT }, async () => {
            const foreign = (await applyOK({ RedirectURL: "https://merchant.example/cb" }, newClient(mode, env.other))).BizToken;
            const traceId = newTraceId();
            const err = await rejection(call(newClient(mode, own, { headers: { "X-TC-TraceId": traceId } }), GET, { BizToken: foreign }));
            assertSDKError(err, "InvalidParameterValue.BizTokenIllegal", traceId);
            // The owner still reads it.
            const got = await call(newClient(mode, env.other), GET, { BizToken: foreign });
            assert.equal(got.ErrorCode, null);
          });

          it("the SDK's own X-TC-TraceId (uuid v4) is echoed into exception.traceId", { timeout: TEST_TIMEOUT }, async () => {
            const err = await rejection(call(client, GET, { BizToken: "00000000-0000-0000-0000-000000000000" }));
            assertSDKError(err, "InvalidParameterValue.BizTokenIllegal");
            assert.match(err.traceId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
          });

          for (const [label, offset] of [["10 minutes old", -10 * 60_000], ["10 minutes ahead", 10 * 60_000]]) {
            it(`timestamp ${label} (process clock moved) -> AuthFailure.SignatureExpire`, { timeout: TEST_TIMEOUT }, async () => {
              const traceId = newTraceId();
              const c = newClient(mode, own, { headers: { "X-TC-TraceId": traceId } });
              const err = await rejection(withClockOffset(offset, () => call(c, GET, { BizToken: token })));
              assertSDKError(err, "AuthFailure.SignatureExpire", traceId);
            });
          }

          it("timestamp 4 minutes old is inside the 5-minute window", { timeout: TEST_TIMEOUT }, async () => {
            const got = await withClockOffset(-4 * 60_000, () => call(client, GET, { BizToken: token }));
            assert.equal(got.ErrorCode, null);
          });

          if (!temporary) {
            it("a stray token sent with a permanent key is ignored", { timeout: TEST_TIMEOUT }, async () => {
              const got = await call(newClient(mode, { ...own, token: "stray-token" }), GET, { BizToken: token });
              assert.equal(got.ErrorCode, null);
            });
          }
        });

        describe("shipped scenarios selected by RuleId", () => {
          async function applyScenario(ruleId) {
            return (await applyOK({
              RedirectURL: "https://merchant.example/cb",
              RuleId: ruleId,
              Extra: `scenario ${ruleId}`,
              Config: { CheckMode: 2 },
              CompareImageBase64: SMALL_JPEG_BASE64,
            })).BizToken;
          }

          it("liveness-1002-spoofed-recording: ErrorCode 1002, one attempt", { timeout: TEST_TIMEOUT }, async () => {
            const token = await applyScenario("liveness-1002-spoofed-recording");
            await complete(token, {});
            const got = await call(client, GET, { BizToken: token });
            assert.equal(got.ErrorCode, 1002);
            assert.equal(got.ErrorMsg, resultMessage(1002));
            assert.equal(got.VerificationDetailList.length, 1);
            assert.equal(got.VerificationDetailList[0].LivenessErrorCode, 1002);
            assert.equal(got.Extra, "scenario liveness-1002-spoofed-recording");
          });

          it("compare-2016-low-similarity: ErrorCode 2016, one attempt, similarity 45", { timeout: TEST_TIMEOUT }, async () => {
            const token = await applyScenario("compare-2016-low-similarity");
            await complete(token, {});
            const got = await call(client, GET, { BizToken: token });
            assert.equal(got.ErrorCode, 2016);
            assert.equal(got.ErrorMsg, resultMessage(2016));
            assert.equal(got.VerificationDetailList.length, 1);
            const d = got.VerificationDetailList[0];
            assert.equal(d.LivenessErrorCode, 0);
            assert.equal(d.CompareErrorCode, 2016);
            assert.equal(d.Similarity, 45);
          });

          it("retry-then-pass: ErrorCode 0 after two attempts (1002, then 0)", { timeout: TEST_TIMEOUT }, async () => {
            const token = await applyScenario("retry-then-pass");
            await complete(token, {});
            const got = await call(client, GET, { BizToken: token });
            assert.equal(got.ErrorCode, 0);
            assert.equal(got.ErrorMsg, resultMessage(0));
            assert.deepEqual(got.VerificationDetailList.map((d) => d.LivenessErrorCode), [1002, 0]);
          });

          it("api-apply-unauthorizedoperation-arrears: Apply raises UnauthorizedOperation.Arrears", { timeout: TEST_TIMEOUT }, async () => {
            const traceId = newTraceId();
            const c = newClient(mode, own, { headers: { "X-TC-TraceId": traceId } });
            const err = await rejection(call(c, APPLY, { RedirectURL: "https://merchant.example/cb", RuleId: "api-apply-unauthorizedoperation-arrears" }));
            assertSDKError(err, "UnauthorizedOperation.Arrears", traceId);
          });

          it("api-get-invalidparametervalue-biztokenexpired: Get raises InvalidParameterValue.BizTokenExpired", { timeout: TEST_TIMEOUT }, async () => {
            const token = await applyScenario("api-get-invalidparametervalue-biztokenexpired");
            const err = await rejection(call(client, GET, { BizToken: token }));
            assertSDKError(err, "InvalidParameterValue.BizTokenExpired");
          });

          it("fault-http-502: first Get fails with HTTP 502 and no Tencent code, the next one works", { timeout: TEST_TIMEOUT }, async () => {
            const token = await applyScenario("fault-http-502");
            await complete(token, {});
            const err = await rejection(call(client, GET, { BizToken: token }));
            assert.equal(err.httpCode, 502);
            assert.equal(err.code, undefined, "no Tencent error code on a transport failure");
            assert.equal(err.message, "Bad Gateway");
            assert.equal(err.requestId, "");
            const got = await call(client, GET, { BizToken: token });
            assert.equal(got.ErrorCode, 0);
            assert.equal(got.VerificationDetailList.length, 1);
          });

          it("fault-connection-reset: first Get fails with ECONNRESET and no Tencent code, the next one works", { timeout: TEST_TIMEOUT }, async () => {
            const token = await applyScenario("fault-connection-reset");
            await complete(token, {});
            const traceId = newTraceId();
            const c = newClient(mode, own, { headers: { "X-TC-TraceId": traceId } });
            const err = await rejection(call(c, GET, { BizToken: token }));
            assert.equal(err.code, undefined);
            assert.equal(err.httpCode, undefined);
            assert.match(err.message, /ECONNRESET|socket hang up/);
            assert.equal(err.requestId, "");
            assert.equal(err.traceId, traceId, "a network failure carries the request's own trace id");
            const got = await call(c, GET, { BizToken: token });
            assert.equal(got.ErrorCode, 0);
          });

          // The emulator promises Content-Length, sends half the body and
          // resets the connection. The SDK's node-fetch 2 pipes the response
          // into a PassThrough, which does not forward the socket error, so
          // the SDK usually gives up only when reqTimeout ends, with a raw
          // FetchError (type "body-timeout"); when the reset wins the race it
          // is a raw FetchError "Invalid response body ... ECONNRESET". Never
          // a TencentCloudSDKHttpException: parseResponse reads the body
          // outside the SDK's try/catch. Hence the 1 s reqTimeout here.
          it("fault-truncated-body: first Get fails (no Tencent code) by reqTimeout, the next one works", { timeout: TEST_TIMEOUT }, async () => {
            const token = await applyScenario("fault-truncated-body");
            await complete(token, {});
            const c = newClient(mode, own);
            c.profile.httpProfile.reqTimeout = 1;
            const started = Date.now();
            let err;
            try {
              await call(c, GET, { BizToken: token });
            } catch (e) {
              err = e;
            }
            assert.ok(err instanceof Error, "the cut response must not be taken for a result");
            assert.ok(err.code === undefined || /^E[A-Z_]+$/.test(err.code), `no Tencent code, got ${err.code}`);
            assert.ok(Date.now() - started < 10_000, "failed within reqTimeout plus slack");
            const got = await call(c, GET, { BizToken: token });
            assert.equal(got.ErrorCode, 0);
          });
        });
      });
    }
  });
}
