// Shared helpers for the Node intl SDK suites. The emulator is started by
// integration/node_test.go, which passes its address and the credentials it
// configured in the environment:
//
//   EMULATOR_ENDPOINT                     host:port of the plain-HTTP listener
//   EMULATOR_BASE_URL                     http://host:port (control API)
//   EMULATOR_TEST_SECRET_ID / _KEY        the main permanent credential
//   EMULATOR_TEST_OTHER_SECRET_ID / _KEY  a second permanent credential
//   EMULATOR_TEST_TEMP_SECRET_ID / _KEY / _TOKEN  a temporary credential
//   EMULATOR_TLS_ENDPOINT                 host:port of the HTTPS listener (tls.test.mjs only)
//
// Every API call goes through the real SDK (tc.faceid.v20180301.Client);
// only the control API is called with plain fetch.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import tc from "tencentcloud-sdk-nodejs-intl-en";
// The exception class every SDK failure (API error or transport error) is
// raised as; the package has no "exports" map, so the file is importable.
import TencentCloudSDKHttpException from "tencentcloud-sdk-nodejs-intl-en/tencentcloud/common/exception/tencent_cloud_sdk_exception.js";

export { tc, TencentCloudSDKHttpException };
export const { Credential, ClientProfile, HttpProfile } = tc.common;
export const FaceidClient = tc.faceid.v20180301.Client;

export const REGION = "ap-singapore";

// The SDK's signing modes: the v1 legacy signature with either HMAC (the
// SDK's default is HmacSHA256, form-encoded POST) and TC3-HMAC-SHA256, each
// over POST and GET. signMethod undefined = the SDK default.
export const MODES = {
  "v1-HmacSHA256-POST (SDK default)": { signMethod: undefined, reqMethod: undefined, tc3: false },
  "v1-HmacSHA256-GET": { signMethod: "HmacSHA256", reqMethod: "GET", tc3: false },
  "v1-HmacSHA1-POST": { signMethod: "HmacSHA1", reqMethod: "POST", tc3: false },
  "v1-HmacSHA1-GET": { signMethod: "HmacSHA1", reqMethod: "GET", tc3: false },
  "TC3-POST": { signMethod: "TC3-HMAC-SHA256", reqMethod: "POST", tc3: true },
  "TC3-GET": { signMethod: "TC3-HMAC-SHA256", reqMethod: "GET", tc3: true },
};

function need(name) {
  const v = process.env[name];
  if (!v) {
    throw new Error(
      `${name} is not set: these tests run against an emulator started by the Go wrapper ` +
        "(go test ./integration/ -run NodeSDK), which sets EMULATOR_ENDPOINT, EMULATOR_BASE_URL and the credentials",
    );
  }
  return v;
}

let cached;
// emulatorEnv reads the environment once.
export function emulatorEnv() {
  if (!cached) {
    cached = {
      endpoint: need("EMULATOR_ENDPOINT"),
      baseURL: need("EMULATOR_BASE_URL").replace(/\/+$/, ""),
      main: { id: need("EMULATOR_TEST_SECRET_ID"), key: need("EMULATOR_TEST_SECRET_KEY") },
      other: { id: need("EMULATOR_TEST_OTHER_SECRET_ID"), key: need("EMULATOR_TEST_OTHER_SECRET_KEY") },
      temp: {
        id: need("EMULATOR_TEST_TEMP_SECRET_ID"),
        key: need("EMULATOR_TEST_TEMP_SECRET_KEY"),
        token: need("EMULATOR_TEST_TEMP_TOKEN"),
      },
    };
  }
  return cached;
}

// newClient builds the typed faceid client the way a merchant would, for
// one signing mode. cred is {id, key, token?}.
export function newClient(mode, cred, opts = {}) {
  const hp = new HttpProfile();
  hp.protocol = opts.protocol ?? "http://";
  hp.endpoint = opts.endpoint ?? emulatorEnv().endpoint;
  if (mode.reqMethod) hp.reqMethod = mode.reqMethod;
  hp.reqTimeout = 20;
  if (opts.headers) hp.headers = { ...opts.headers };
  const cp = mode.signMethod === undefined ? new ClientProfile(undefined, hp) : new ClientProfile(mode.signMethod, hp);
  const credential = cred.token === undefined ? new Credential(cred.id, cred.key) : new Credential(cred.id, cred.key, cred.token);
  return new FaceidClient(credential, opts.region ?? REGION, cp);
}

// call invokes a typed client method (callback style) as a promise.
export function call(client, action, req) {
  return new Promise((resolve, reject) => {
    client[action](req, (err, resp) => (err ? reject(err) : resolve(resp)));
  });
}

// callGeneric sends any action through the client's generic request method
// (AbstractClient.request), as the SDK does for its typed methods.
export function callGeneric(client, action, req) {
  const resp = { deserialize(data) { this.data = data; } };
  return new Promise((resolve, reject) => {
    client.request(action, req, resp, (err, r) => (err ? reject(err) : resolve(r.data)));
  });
}

// withClockOffset runs fn with the process clock (Date.now and new Date())
// moved by ms, so the real SDK signs a timestamp that far from real time.
// The SDK reads Date.now() (v1) and new Date() (TC3) as globals at call
// time; the original Date is restored when fn settles.
export async function withClockOffset(ms, fn) {
  const RealDate = globalThis.Date;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(RealDate.now() + ms);
      else super(...args);
    }
    static now() {
      return RealDate.now() + ms;
    }
  }
  globalThis.Date = ShiftedDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

// control calls the emulator's control API with plain fetch.
export async function control(method, path, body, base = emulatorEnv().baseURL) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json, text };
}

// complete finishes a session through the control API and asserts 200.
export async function complete(token, body, base) {
  const r = await control("POST", `/_emulator/sessions/${encodeURIComponent(token)}/complete`, body, base);
  assert.equal(r.status, 200, `complete ${token}: HTTP ${r.status}: ${r.text}`);
  return r.json;
}

// rejection awaits p, asserts it rejected with the SDK's exception type and
// returns the exception.
export async function rejection(p) {
  let value;
  try {
    value = await p;
  } catch (err) {
    assert.ok(
      err instanceof TencentCloudSDKHttpException,
      `expected a TencentCloudSDKHttpException, got ${err && err.stack ? err.stack : err}`,
    );
    return err;
  }
  assert.fail(`expected the SDK to raise an exception, got a response: ${JSON.stringify(value)}`);
}

export const LOWER_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const UPPER_UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

export function newTraceId() {
  return randomUUID();
}

// Catalogue texts, read from the repository so messages are asserted
// against the same source the emulator uses.
const catalogDir = new URL("../../catalog/", import.meta.url);
const resultCodes = JSON.parse(readFileSync(new URL("result-codes.json", catalogDir), "utf8"));
const apiErrors = JSON.parse(readFileSync(new URL("api-errors.json", catalogDir), "utf8"));

// PASS_MESSAGE_ON_THE_WIRE is the ErrorMsg of result 0: the text real
// responses carry, not the documentation's "Success, Tap Next to continue."
// (catalog.PassMessageOnTheWire).
export const PASS_MESSAGE_ON_THE_WIRE = "Success, tap next to continue";

// resultMessage is the ErrorMsg the emulator sends for a result code.
export function resultMessage(code) {
  if (code === 0) return PASS_MESSAGE_ON_THE_WIRE;
  const e = resultCodes.find((r) => r.code === code);
  assert.ok(e, `result code ${code} is not in catalog/result-codes.json`);
  return e.message;
}

// apiErrorMessages lists the English messages the catalogue has for code
// (some codes carry a per-action wording).
export function apiErrorMessages(code) {
  const list = apiErrors.filter((e) => e.code === code).map((e) => e.message_en);
  assert.ok(list.length > 0, `API error ${code} is not in catalog/api-errors.json`);
  return list;
}

// A real 8x8 JPEG (619 bytes) as CompareImageBase64.
export const SMALL_JPEG_BASE64 =
  "/9j/2wCEABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2MBERISGBUYLxoaL2NCOEJjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY//AABEIAAgACAMBIgACEQEDEQH/xAGiAAABBQEBAQEBAQAAAAAAAAAAAQIDBAUGBwgJCgsQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+gEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoLEQACAQIEBAMEBwUEBAABAncAAQIDEQQFITEGEkFRB2FxEyIygQgUQpGhscEJIzNS8BVictEKFiQ04SXxFxgZGiYnKCkqNTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqCg4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2dri4+Tl5ufo6ery8/T19vf4+fr/2gAMAwEAAhEDEQA/AKthonT5a0P7E/2Kv2HatCsKuJqc248Di6vsVqf/2Q==";

// The Apply request of the main flow: a redirect URL with a query, an
// Extra with non-ASCII characters and the form-encoding specials & + =,
// a Config and a small comparison image.
export const FLOW_EXTRA = "order-42 ünïcode & spaces + 日本語 = ✓";
export function flowApplyRequest(overrides = {}) {
  return {
    RedirectURL: "https://merchant.example/cb?a=1&b=<x>",
    Extra: FLOW_EXTRA,
    Config: { AutoSkip: true, CheckMode: 2 },
    CompareImageBase64: SMALL_JPEG_BASE64,
    ...overrides,
  };
}
