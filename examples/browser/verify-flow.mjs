// A browser test of the whole merchant flow against faceid-emulator, with
// Playwright (playwright-core) driving Debian's Chromium:
//
//   1. the merchant backend applies for a BizToken through the official Node
//      intl SDK (ApplyWebVerificationBizTokenIntl);
//   2. the "user" opens the VerificationURL and clicks through the page by
//      its data-testid hooks alone: start, privacy-accept, continue (the
//      document step of CheckMode 1), outcome-0, next;
//   3. the browser lands on the merchant's RedirectURL with ?token=<BizToken>;
//   4. the merchant backend reads the result (GetWebVerificationResultIntl).
//
// Run it (from this folder, with the emulator running on 127.0.0.1:8780):
//
//   npm ci
//   node verify-flow.mjs             # prints "ErrorCode: 0 (...)", exit 0
//
// Environment (all optional):
//   FACEID_ENDPOINT      host:port of the emulator, WITHOUT a scheme (default 127.0.0.1:8780)
//   FACEID_SECRET_ID     default: the emulator's documented default credential
//   FACEID_SECRET_KEY
//   CHROME_PATH          the browser (default /usr/bin/chromium)
//
// playwright-core downloads no browser: it drives the one at CHROME_PATH.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";
import tencentcloud from "tencentcloud-sdk-nodejs-intl-en";

const { Credential, ClientProfile, HttpProfile } = tencentcloud.common;
const FaceidClient = tencentcloud.faceid.v20180301.Client;

// The emulator's documented default credential; it is not a secret.
const endpoint = process.env.FACEID_ENDPOINT || "127.0.0.1:8780";
const secretId = process.env.FACEID_SECRET_ID || "AKIDEMULATOR00000000000000000000000";
const secretKey = process.env.FACEID_SECRET_KEY || "emulator-secret-key-0000000000000000";
const chromePath = process.env.CHROME_PATH || "/usr/bin/chromium";

const client = new FaceidClient(
  new Credential(secretId, secretKey),
  "ap-singapore",
  new ClientProfile("TC3-HMAC-SHA256", new HttpProfile("http://", endpoint, "POST", 30)),
);

function call(action, request) {
  return new Promise((resolve, reject) => {
    client[action](request, (err, response) => (err ? reject(err) : resolve(response)));
  });
}

// The merchant's return page: where the emulator's "next" sends the
// browser (a local server, so the test needs no network).
function startMerchant() {
  const server = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
    res.end('<!doctype html><title>merchant</title><p data-testid="merchant-return">back at the merchant</p>');
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function main() {
  const merchant = await startMerchant();
  const redirectURL = `http://127.0.0.1:${merchant.address().port}/kyc/done`;
  const profile = await mkdtemp(join(tmpdir(), "faceid-browser-example-"));
  let browser;
  try {
    // 1. Apply, with a document step (CheckMode 1) so that every hook is met.
    const applied = await call("ApplyWebVerificationBizTokenIntl", {
      RedirectURL: redirectURL,
      Extra: "order-42",
      Config: { CheckMode: 1, IDCardType: "HKIDCard" },
    });
    console.log("VerificationURL:", applied.VerificationURL);

    // 2. A fresh headless Chromium: launchPersistentContext takes the
    // user-data-dir (Playwright refuses it in args); headless adds
    // --headless.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: chromePath,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = browser.pages()[0] || (await browser.newPage());
    // Every action waits for its element; bound the waits for a loaded CI.
    page.setDefaultTimeout(30_000);
    await page.goto(applied.VerificationURL);
    for (const hook of ["start", "privacy-accept", "continue", "outcome-0"]) {
      await page.getByTestId(hook).click();
    }
    console.log("result-code:", await page.getByTestId("result-code").textContent());
    await page.getByTestId("next").click();

    // 3. Back at the merchant with the token.
    const want = `${redirectURL}?token=${applied.BizToken}`;
    await page.waitForURL(want);
    await page.getByTestId("merchant-return").waitFor();
    console.log("landed on:", page.url());

    // 4. The merchant reads the result.
    const result = await call("GetWebVerificationResultIntl", { BizToken: applied.BizToken });
    console.log(`ErrorCode: ${result.ErrorCode} (${result.ErrorMsg})`);
    if (result.ErrorCode !== 0) {
      process.exitCode = 1;
    }
  } finally {
    await browser?.close();
    merchant.close();
    await rm(profile, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error("error:", err.code ? `${err.code}: ${err.message} (RequestId ${err.requestId})` : err);
  process.exit(1);
});
