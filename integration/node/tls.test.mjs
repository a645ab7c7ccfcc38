// The Node intl SDK over HTTPS (hp.protocol = "https://") against the
// emulator's TLS listener with its generated self-signed certificate.
// Run by TestNodeSDKTLS, which sets EMULATOR_TLS_ENDPOINT and trusts the
// certificate explicitly with NODE_EXTRA_CA_CERTS=<cert.pem> (never by
// turning verification off). Without EMULATOR_TLS_ENDPOINT it skips.
import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { MODES, emulatorEnv, newClient, call, complete, flowApplyRequest, FLOW_EXTRA, LOWER_UUID } from "./helpers.mjs";

const tlsEndpoint = process.env.EMULATOR_TLS_ENDPOINT;
const skip = tlsEndpoint ? false : "EMULATOR_TLS_ENDPOINT is not set (run via go test ./integration/ -run NodeSDKTLS)";

describe("Node intl SDK over HTTPS", { skip }, () => {
  it("TLS verification is on (NODE_TLS_REJECT_UNAUTHORIZED is not 0)", () => {
    assert.notEqual(process.env.NODE_TLS_REJECT_UNAUTHORIZED, "0");
  });

  for (const modeName of ["v1-HmacSHA256-POST (SDK default)", "TC3-POST"]) {
    it(`${modeName}: Apply -> complete -> Get over https`, { timeout: 30_000 }, async () => {
      const env = emulatorEnv();
      const base = `https://${tlsEndpoint}`;
      const c = newClient(MODES[modeName], env.main, { protocol: "https://", endpoint: tlsEndpoint });
      const applied = await call(c, "ApplyWebVerificationBizTokenIntl", flowApplyRequest());
      assert.equal(applied.VerificationURL, `${base}/reflect/?token=${applied.BizToken}`);

      // The control API over the same TLS listener, with Node's own fetch.
      await complete(applied.BizToken, { ErrorCode: 0, Similarity: 91.5 }, base);

      const got = await call(c, "GetWebVerificationResultIntl", { BizToken: applied.BizToken });
      assert.equal(got.ErrorCode, 0);
      assert.equal(got.VerificationDetailList[0].Similarity, 91.5);
      assert.equal(got.Extra, FLOW_EXTRA);
      assert.ok(got.BestFrameBase64.startsWith("/9j/"));
      assert.match(got.RequestId, LOWER_UUID);
    });
  }
});
