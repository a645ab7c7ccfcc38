// The SDK token flows through the Node intl SDK's typed client: apply,
// pending, completed by the control API with a code of the flow's table,
// read back; a token of another SecretId is refused.

import { describe, it } from "node:test";
import assert from "node:assert/strict";

import { MODES, emulatorEnv, newClient, call, complete, control, rejection, UPPER_UUID, SMALL_JPEG_BASE64 } from "./helpers.mjs";

const TEST_TIMEOUT = 30_000;

const FLOWS = [
  {
    kind: "selfie",
    apply: ["GetFaceIdTokenIntl", { CheckMode: "compare", Image: SMALL_JPEG_BASE64, Extra: "node-selfie" }],
    result: "GetFaceIdResultIntl",
    fail: "2016",
    check(resp) {
      assert.equal(resp.Extra, "node-selfie", "Extra echoed");
      assert.equal(typeof resp.Similarity, "number");
      assert.ok(resp.BestFrame.length > 100, "BestFrame is a base64 image");
      assert.ok(Buffer.from(resp.BestFrame, "base64").subarray(0, 2).equals(Buffer.from([0xff, 0xd8])), "BestFrame decodes to a JPEG");
    },
  },
  {
    kind: "liveness",
    apply: ["ApplyLivenessToken", { SecureLevel: "2" }],
    result: "GetLivenessResult",
    fail: "1002",
    async check(resp) {
      for (const name of ["BestFrame", "Video"]) {
        const fi = resp[name];
        assert.ok(fi && fi.Url.startsWith(emulatorEnv().baseURL + "/files/"), `${name}.Url on the emulator: ${JSON.stringify(fi)}`);
        const body = Buffer.from(await (await fetch(fi.Url)).arrayBuffer());
        assert.equal(body.length, fi.Size, `${name} size`);
      }
    },
  },
];

describe("Node intl SDK, SDK token flows", () => {
  const mode = MODES["TC3-POST"];
  for (const fl of FLOWS) {
    it(`${fl.kind}: ${fl.apply[0]} → complete → ${fl.result}`, { timeout: TEST_TIMEOUT }, async () => {
      const env = emulatorEnv();
      const c = newClient(mode, env.main);
      const applied = await call(c, fl.apply[0], fl.apply[1]);
      assert.match(applied.SdkToken, UPPER_UUID);
      const token = applied.SdkToken;

      const pending = await call(c, fl.result, { SdkToken: token });
      assert.equal(pending.Result, "-999");

      const sess = await complete(token, { Result: fl.fail });
      assert.equal(sess.Flow, fl.kind);
      assert.equal(sess.Result.Result, fl.fail);
      const failed = await call(c, fl.result, { SdkToken: token });
      assert.equal(failed.Result, fl.fail);
      assert.ok(failed.Description.length > 0);

      const unknown = await control("POST", `/_emulator/sessions/${token}/complete`, { Result: "no-such-code" });
      assert.equal(unknown.status, 400, "a code outside the flow's table is refused");

      const next = (await call(c, fl.apply[0], fl.apply[1])).SdkToken;
      await complete(next, { Result: "0" });
      await fl.check(await call(c, fl.result, { SdkToken: next }));

      const other = newClient(mode, env.other);
      const err = await rejection(call(other, fl.result, { SdkToken: next }));
      assert.equal(err.code, "InvalidParameterValue.BizTokenIllegal");
    });
  }
});
