// Every faceid action of the spec through the Node intl SDK, in the two
// signing modes the SDK offers a merchant (its default, v1 HmacSHA256 form
// POST, and TC3-HMAC-SHA256): the default answer resolves the promise with
// the members of the action's response model, and a missing required
// member, a wrong type and an unknown member are refused with their
// documented codes, naming the parameter.
//
// The action list, the request members and the response members are read
// from spec/faceid-2018-03-01.api.json (and the documented input rules from
// .rules.json), never from a hand list. Actions the SDK has a typed method
// for are called through it and must decode into its typed response class;
// the others (the SDK 3.0.1335 lacks 16 of the 30) go through the SDK's
// generic AbstractClient.request, which signs and sends them the same way.

import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import { MODES, emulatorEnv, newClient, call, callGeneric, rejection, LOWER_UUID, SMALL_JPEG_BASE64, FaceidClient } from "./helpers.mjs";

const require = createRequire(import.meta.url);
// The typed response classes; the package has no "exports" map.
const models = require("tencentcloud-sdk-nodejs-intl-en/tencentcloud/faceid/v20180301/models.js");

const specDir = new URL("../../spec/", import.meta.url);
const api = JSON.parse(readFileSync(new URL("faceid-2018-03-01.api.json", specDir), "utf8"));
const rules = JSON.parse(readFileSync(new URL("faceid-2018-03-01.rules.json", specDir), "utf8")).rules;
const flows = JSON.parse(readFileSync(new URL("../../catalog/flow-results.json", import.meta.url), "utf8")).flows;

// An MP4's first box (ftyp, brand mp42), base64: for video members.
const MP4_BASE64 = "AAAAGGZ0eXBtcDQy";
const TEST_TIMEOUT = 30_000;

const objects = api.objects;
const actionNames = Object.keys(api.actions).sort();
const inputOf = (action) => objects[api.actions[action].input];
const outputOf = (action) => objects[api.actions[action].output];

// Apply-like actions first: their tokens (BizToken, SdkToken, ...) feed the
// result actions, as in integration/allactions_test.go.
const isResultAction = (name) => name.startsWith("Get") && name.includes("Result");
const ORDER = [...actionNames.filter((n) => !isResultAction(n)), ...actionNames.filter(isResultAction)];

function scalarValue(elem, rule) {
  switch (elem) {
    case "int64":
    case "integer":
    case "uint64":
    case "int":
    case "float":
      return rule && rule.min !== undefined ? rule.min : 1;
    case "bool":
      return true;
  }
  return "x";
}

function validValue(objName, m, tokens) {
  const rule = rules[`${objName}.${m.name}`];
  if (rule && rule.enum && rule.enum.length > 0) return rule.enum[0];
  if (m.type === "object") return validRequest(objects[m.member], m.member, tokens);
  if (m.type === "list") {
    if (objects[m.member]) return [validRequest(objects[m.member], m.member, tokens)];
    return [scalarValue(m.member, rule)];
  }
  switch (rule && rule.format) {
    case "base64":
    case "image-base64":
    case "media-base64":
      return SMALL_JPEG_BASE64;
    case "video-base64":
      return MP4_BASE64;
    case "url":
      return "https://merchant.example/callback";
  }
  return scalarValue(m.type === "string" ? "string" : m.member || m.type, rule);
}

// validRequest is the smallest request the spec accepts: every required
// member with a value its documented rule allows, and the tokens earlier
// answers handed out.
function validRequest(obj, objName, tokens) {
  const out = {};
  for (const m of obj.members) {
    if (tokens[m.name] !== undefined) {
      out[m.name] = tokens[m.name];
    } else if (m.required) {
      out[m.name] = validValue(objName, m, tokens);
    }
  }
  return out;
}

// send calls the action through its typed method when the SDK has one.
function send(client, action, req) {
  return typeof FaceidClient.prototype[action] === "function" ? call(client, action, req) : callGeneric(client, action, req);
}

// checkAnswer asserts the answer has exactly the response model's members
// with values of their types (null allowed), a RequestId, the typed class
// where there is one, and the pass code for an action with a result table.
function checkAnswer(action, resp) {
  const typed = typeof FaceidClient.prototype[action] === "function";
  const out = outputOf(action);
  if (typed) {
    const Cls = models[`${action}Response`];
    assert.ok(Cls, `the SDK has a typed method but no ${action}Response class`);
    assert.ok(resp instanceof Cls, `the typed client resolved with ${resp && resp.constructor && resp.constructor.name}, want ${action}Response`);
  }
  assert.match(resp.RequestId, LOWER_UUID, "RequestId");
  // A typed class carries the members of the SDK's model, which for a few
  // actions predates members the spec added since (ApplySdkVerificationToken's
  // ServerParamInfo): check those it has.
  const known = typed ? Object.keys(new models[`${action}Response`]()) : null;
  if (known) {
    for (const k of known) assert.ok(out.members.some((m) => m.name === k), `the SDK's ${action}Response has ${k}, not in the spec`);
  }
  for (const m of out.members) {
    if (known && !known.includes(m.name)) continue;
    assert.ok(m.name in resp, `member ${m.name} missing from the answer`);
    const v = resp[m.name];
    if (v === null || v === undefined) continue;
    const want = { string: "string", int: "number", float: "number", bool: "boolean", object: "object", list: "object" }[m.type];
    assert.equal(typeof v, want, `${m.name}: ${JSON.stringify(v).slice(0, 60)} is not a ${m.type}`);
    if (m.type === "list") assert.ok(Array.isArray(v), `${m.name} is not a list`);
    if (m.type === "int") assert.ok(Number.isInteger(v), `${m.name} = ${v} is not an integer`);
  }
  if (!typed) {
    for (const k of Object.keys(resp)) {
      assert.ok(out.members.some((m) => m.name === k), `${k} is not a member of ${out.name ?? action + "Response"}`);
    }
  }
  const flow = Object.values(flows).find((f) => f.actions.length === 1 && f.actions[0] === action);
  if (flow) assert.equal(String(resp[flow.field]), flow.codes[0].code, `${flow.field} of the default answer (the pass code)`);
}

// wrongType returns a request whose member has a value of the wrong type,
// and the code and parameter name the refusal must give. A word for a
// number or boolean member is InvalidParameter in both signing modes. An
// action with string members only gets an object for one: InvalidParameter
// in TC3's JSON body; the v1 form flattens it to the parameter
// "<Member>.Nested", which no action has (UnknownParameter naming it).
function wrongType(action, tokens, tc3) {
  const obj = inputOf(action);
  const req = validRequest(obj, api.actions[action].input, tokens);
  const scalar = obj.members.find((m) => ["int", "float", "bool"].includes(m.type) && tokens[m.name] === undefined);
  if (scalar) return { req: { ...req, [scalar.name]: "not-a-number" }, code: "InvalidParameter", name: scalar.name };
  const str = obj.members.find((m) => m.type === "string" && tokens[m.name] === undefined);
  if (!str) return null;
  const bad = { ...req, [str.name]: { Nested: "x" } };
  return tc3 ? { req: bad, code: "InvalidParameter", name: str.name } : { req: bad, code: "UnknownParameter", name: `${str.name}.Nested` };
}

function assertRefused(err, code, param) {
  assert.equal(err.code, code, `code (message ${JSON.stringify(err.message)})`);
  assert.ok(err.message.includes(param), `message ${JSON.stringify(err.message)} does not name ${param}`);
  assert.match(err.requestId, LOWER_UUID, "exception.requestId");
}

for (const modeName of ["v1-HmacSHA256-POST (SDK default)", "TC3-POST"]) {
  const mode = MODES[modeName];
  describe(`every faceid action, Node intl SDK, ${modeName}`, () => {
    let client;
    const allTokens = {};
    before(() => {
      client = newClient(mode, emulatorEnv().main);
    });

    it("covers the 30 actions of the spec, typed where the SDK has the method", () => {
      assert.equal(actionNames.length, 30);
      const typed = actionNames.filter((n) => typeof FaceidClient.prototype[n] === "function");
      assert.ok(typed.length >= 14, `${typed.length} typed methods`);
    });

    // Several apply actions answer an SdkToken: a flow's result action
    // gets its own apply action's token (the catalogue's flow tables).
    const byAction = {};
    for (const action of ORDER) {
      it(action, { timeout: TEST_TIMEOUT }, async () => {
        const inName = api.actions[action].input;
        const own = Object.values(flows).find((f) => f.actions.length === 2 && f.actions[1] === action);
        const tokens = own && byAction[own.actions[0]] ? { ...allTokens, ...byAction[own.actions[0]] } : allTokens;
        const req = validRequest(inputOf(action), inName, tokens);
        const resp = await send(client, action, req);
        checkAnswer(action, resp);
        for (const m of outputOf(action).members) {
          if (m.name.endsWith("Token") && typeof resp[m.name] === "string" && resp[m.name] !== "") {
            allTokens[m.name] = resp[m.name];
            byAction[action] = { ...byAction[action], [m.name]: resp[m.name] };
          }
        }

        const required = inputOf(action).members.find((m) => m.required && tokens[m.name] === undefined);
        if (required) {
          const bad = { ...req };
          delete bad[required.name];
          assertRefused(await rejection(send(client, action, bad)), "MissingParameter", required.name);
        }
        const wt = wrongType(action, tokens, mode.tc3);
        if (wt) assertRefused(await rejection(send(client, action, wt.req)), wt.code, wt.name);
        assertRefused(await rejection(send(client, action, { ...req, NoSuchMember: "x" })), "UnknownParameter", "NoSuchMember");
      });
    }
  });
}
