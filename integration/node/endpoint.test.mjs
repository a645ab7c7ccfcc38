// Endpoint spellings a merchant may use: "localhost:PORT" makes the Node SDK
// put "localhost:PORT" as the TC3 scope service (endpoint.split(".")[0]) and
// sign the host "localhost" (TC3) or "localhost:PORT" (v1).
import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { MODES, emulatorEnv, newClient, call, flowApplyRequest, FLOW_EXTRA, UPPER_UUID } from "./helpers.mjs";

describe("Node intl SDK, endpoint localhost:PORT", () => {
  for (const modeName of ["v1-HmacSHA256-POST (SDK default)", "TC3-POST", "TC3-GET"]) {
    it(`${modeName}: Apply and a pending Get`, { timeout: 30_000 }, async () => {
      const env = emulatorEnv();
      const port = env.endpoint.slice(env.endpoint.lastIndexOf(":") + 1);
      const c = newClient(MODES[modeName], env.main, { endpoint: `localhost:${port}` });
      const applied = await call(c, "ApplyWebVerificationBizTokenIntl", flowApplyRequest());
      assert.match(applied.BizToken, UPPER_UUID);
      assert.equal(applied.VerificationURL, `http://localhost:${port}/reflect/?token=${applied.BizToken}`);
      const got = await call(c, "GetWebVerificationResultIntl", { BizToken: applied.BizToken });
      assert.equal(got.ErrorCode, null);
      assert.equal(got.Extra, FLOW_EXTRA);
    });
  }
});
