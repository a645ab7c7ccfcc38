import { MODES, emulatorEnv, newClient, call, complete, TencentCloudSDKHttpException } from "./helpers.mjs";
const env = emulatorEnv();
for (const sc of ["fault-connection-reset", "fault-truncated-body", "throttled-then-ok"]) {
  for (const m of ["v1-HmacSHA256-POST (SDK default)", "TC3-POST"]) {
    const c = newClient(MODES[m], env.main);
    let a;
    try { a = await call(c, "ApplyWebVerificationBizTokenIntl", { RedirectURL: "https://m.example/", RuleId: sc }); } catch (e) { console.log(sc, m, "apply ERR", e.code, e.message); continue; }
    await complete(a.BizToken, {});
    for (let i = 0; i < 2; i++) {
      try { const g = await call(c, "GetWebVerificationResultIntl", { BizToken: a.BizToken }); console.log(sc, m, i, "OK", g.ErrorCode); }
      catch (e) { console.log(sc, m, i, "ERR", e.constructor.name, e instanceof TencentCloudSDKHttpException, e.code, e.httpCode, e.type, e.message.slice(0, 160), JSON.stringify(e.requestId), JSON.stringify(e.traceId)); }
    }
  }
}
