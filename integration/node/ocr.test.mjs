// Node intl SDK's typed ocr client (tc.ocr.v20181119.Client) against the
// emulator, in every signing mode the SDK offers: every ocr action of the
// spec that the client has answers its default answer; document images
// that are missing or undecodable get a code Tencent documents for the
// action; a shipped sample picture selects its library scenario by hash.
// The client signs the endpoint's first label ("127") as the TC3 service
// and the emulator routes by the action and Version.

import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { tc, MODES, REGION, emulatorEnv, ClientProfile, HttpProfile, Credential, call, callGeneric, control, rejection, LOWER_UUID, SMALL_JPEG_BASE64 } from "./helpers.mjs";

const OcrClient = tc.ocr.v20181119.Client;
const repo = new URL("../../", import.meta.url);
const readJSON = (path) => JSON.parse(readFileSync(new URL(path, repo), "utf8"));
const api = readJSON("spec/ocr-2018-11-19.api.json");
const rules = readJSON("spec/ocr-2018-11-19.rules.json").rules;
const apiErrors = readJSON("catalog/api-errors.json");
const TEST_TIMEOUT = 60_000;

// A real 256*256 grey PNG (568 bytes, Go's image/png): the smallest picture
// inside every pixel range the ocr actions document (ApplyCardVerificationExternal
// wants 256*256 to 4096*4096). SMALL_JPEG_BASE64 is 8*8: too small there.
const CARD_PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAAQAAAAEACAAAAAB5Gfe6AAAB/0lEQVR4nOzQQQ0AMBSFsGX+RX8ZPTxQQPrfeAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QBaAHdAHoAV0AekAXgB7QzQNcAAAA//8RLQIBGNmOsAAAAABJRU5ErkJggg==";

function newOcrClient(mode, cred) {
  const hp = new HttpProfile();
  hp.protocol = "http://";
  hp.endpoint = emulatorEnv().endpoint;
  if (mode.reqMethod) hp.reqMethod = mode.reqMethod;
  hp.reqTimeout = 20;
  const cp = mode.signMethod === undefined ? new ClientProfile(undefined, hp) : new ClientProfile(mode.signMethod, hp);
  return new OcrClient(new Credential(cred.id, cred.key), REGION, cp);
}

// send uses the typed method when the client has the action, else the
// client's generic request (PODAuditAI is newer than the pinned SDK).
function send(client, action, req) {
  return typeof client[action] === "function" ? call(client, action, req) : callGeneric(client, action, req);
}

const rule = (object, member) => rules[`${object}.${member}`];

// frontImage names the base64 member of the image an action must be given.
function frontImage(action) {
  const input = api.actions[action].input;
  for (const m of api.objects[input].members) {
    const r = rule(input, m.name);
    if (r && r.image && r.image.required && r.image.source === "base64") return { name: m.name, list: m.type === "list" };
  }
  return null;
}

// validRequest: the required members (first enum value, or a plain value)
// and the front image as a real PNG.
function validRequest(action, image = CARD_PNG_BASE64) {
  const input = api.actions[action].input;
  const req = {};
  for (const m of api.objects[input].members) {
    if (!m.required) continue;
    const r = rule(input, m.name);
    if (r && r.enum) req[m.name] = r.enum[0];
    else if (m.type === "bool") req[m.name] = true;
    else if (m.type === "int") req[m.name] = 1;
    else req[m.name] = "x";
  }
  const front = frontImage(action);
  if (front) req[front.name] = front.list ? [image] : image;
  return req;
}

// documented: code is catalogued for action (or for every action).
function documented(code, action) {
  return apiErrors.some((e) => e.code === code && (e.actions === null || e.actions.includes(action)));
}

const actions = Object.keys(api.actions).sort();

for (const [modeName, mode] of Object.entries(MODES)) {
  describe(`Node intl SDK ocr client, ${modeName}`, () => {
    let client;
    before(() => {
      client = newOcrClient(mode, emulatorEnv().main);
    });

    it("every ocr action answers its default answer", { timeout: TEST_TIMEOUT }, async () => {
      let typed = 0;
      for (const action of actions) {
        if (typeof client[action] === "function") typed++;
        const req = validRequest(action);
        if (action === "GetCardVerificationExternalResult") {
          // A token flow's result call reads a session: apply for one.
          const applied = await send(client, "ApplyCardVerificationExternal", validRequest("ApplyCardVerificationExternal"));
          req.CardVerificationToken = (applied.Response ?? applied).CardVerificationToken;
        }
        const resp = await send(client, action, req);
        const requestId = resp.RequestId ?? resp.Response?.RequestId;
        assert.match(requestId, LOWER_UUID, `${action}: RequestId`);
        const members = new Set(api.objects[api.actions[action].output].members.map((m) => m.name));
        const body = resp.Response ?? resp;
        for (const k of Object.keys(body)) {
          if (body[k] !== undefined) assert.ok(members.has(k), `${action}: ${k} is not a member of its response`);
        }
      }
      assert.ok(typed >= 30, `only ${typed} actions through typed methods`);
    });

    it("a missing or undecodable image gets a documented code", { timeout: TEST_TIMEOUT }, async () => {
      for (const action of actions) {
        const front = frontImage(action);
        if (!front) continue;
        const none = validRequest(action);
        delete none[front.name];
        let err = await rejection(send(client, action, none));
        assert.ok(documented(err.code, action) || err.code === "MissingParameter", `${action} without an image: ${err.code} is not documented`);
        assert.ok(err.message.includes(front.name), `${action}: ${err.message} does not name ${front.name}`);
        err = await rejection(send(client, action, validRequest(action, "not-base64")));
        assert.ok(documented(err.code, action) || err.code === "InvalidParameterValue", `${action} bad base64: ${err.code} is not documented`);
      }
    });

    it("a sample picture selects its library scenario by SHA-256", { timeout: TEST_TIMEOUT }, async () => {
      const picture = (name) => readFileSync(new URL(`catalog/ocr-images/${name}.png`, repo)).toString("base64");
      let resp = await call(client, "RecognizeIndonesiaIDCardOCR", { ImageBase64: picture("warn-9102") });
      assert.equal(resp.NIK, "3171234567890123");
      assert.deepEqual(resp.WarnCardInfos, [-9102]);
      resp = await call(client, "HKIDCardOCR", { ImageBase64: picture("pass") });
      assert.equal(resp.IdNum, "A123456(3)");
      assert.deepEqual(resp.WarnCardInfos, []);
      const err = await rejection(call(client, "RecognizeThaiIDCardOCR", { ImageBase64: picture("error-failedoperation-imageblur") }));
      assert.equal(err.code, "FailedOperation.ImageBlur");
    });

    it("the card-verification flow: a picture under 256*256 refused, auto at the first result call, or completed by the control API; another SecretId refused", { timeout: TEST_TIMEOUT }, async () => {
      assert.equal(typeof client.ApplyCardVerificationExternal, "function");
      assert.equal(typeof client.GetCardVerificationExternalResult, "function");
      const tooSmall = await rejection(call(client, "ApplyCardVerificationExternal", { Nationality: "ARG", CardType: "ID_CARD", ImageBase64Front: SMALL_JPEG_BASE64 }));
      assert.equal(tooSmall.code, "InvalidParameter.EngineImageDecodeFailed");
      assert.match(tooSmall.message, /is 8\*8 pixels; supported: between 256\*256 and 4096\*4096 pixels/);
      const { CardVerificationToken: token } = await call(client, "ApplyCardVerificationExternal", { Nationality: "ARG", CardType: "ID_CARD", ImageBase64Front: CARD_PNG_BASE64 });
      const pending = await call(client, "GetCardVerificationExternalResult", { CardVerificationToken: token });
      // No scenario for this picture: auto, done at this first result call.
      assert.equal(pending.Status, "COMPLETED");
      assert.equal(pending.CardInfo.IssuedCountry, "ARG");
      assert.equal(pending.CardInfo.PersonalNumber !== "", true, "an ID card's PersonalNumber");
      const second = await call(client, "ApplyCardVerificationExternal", { Nationality: "ARG", CardType: "ID_CARD", ImageBase64Front: CARD_PNG_BASE64 });
      const r = await control("POST", `/_emulator/sessions/${second.CardVerificationToken}/complete`, { Status: "ABNORMAL", WarnInfo: ["RetakeSuspected"] });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.Flow, "cardverify");
      const body = await call(client, "GetCardVerificationExternalResult", { CardVerificationToken: second.CardVerificationToken });
      assert.equal(body.Status, "ABNORMAL");
      assert.deepEqual(body.WarnInfo, ["RetakeSuspected"]);
      assert.equal(body.CardVerificationToken, second.CardVerificationToken);
      const err = await rejection(call(newOcrClient(mode, emulatorEnv().other), "GetCardVerificationExternalResult", { CardVerificationToken: token }));
      assert.equal(err.code, "InvalidParameterValue.InvalidParameterValueLimit");
    });
  });
}
