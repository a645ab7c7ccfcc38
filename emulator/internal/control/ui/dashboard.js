// faceid-emulator dashboard: refreshes the server-rendered tables every 2 s
// from the JSON API. Every value goes into the page through textContent or
// setAttribute, never as HTML.
(function () {
  'use strict';

  var INTERVAL = 2000;
  var body = document.body;
  var secretId = body.getAttribute('data-secret-id') || '';
  var sessionLimit = parseInt(body.getAttribute('data-session-limit'), 10) || 100;
  var requestLimit = parseInt(body.getAttribute('data-request-limit'), 10) || 200;
  var live = document.getElementById('live');
  var pauseButton = document.getElementById('pause');
  var paused = false;
  var refreshes = 0;
  var last = { sessions: '', requests: '', scenarios: '', metrics: '' };

  function AuthError() { this.message = 'the admin token is no longer accepted: reload the page'; }

  function get(path, params) {
    var q = new URLSearchParams();
    Object.keys(params || {}).forEach(function (k) {
      if (params[k] !== '' && params[k] !== undefined && params[k] !== null) { q.set(k, params[k]); }
    });
    var s = q.toString();
    // Relative to /_emulator/ui, so "sessions" is /_emulator/sessions.
    return fetch(path + (s ? '?' + s : ''), {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { Accept: 'application/json' }
    }).then(function (r) {
      if (r.status === 401) { throw new AuthError(); }
      if (!r.ok) { throw new Error(path + ': HTTP ' + r.status); }
      return r.json();
    });
  }

  // el builds an element; text children become text nodes.
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) { e.setAttribute(k, String(attrs[k])); }
    });
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return e;
  }

  function td(cls, label, children, attrs) {
    var a = attrs || {};
    a['class'] = cls;
    a['data-label'] = label;
    return el('td', a, children);
  }

  function parseTime(iso) {
    // Go writes up to 9 fractional digits; Date wants at most 3.
    var d = new Date(String(iso || '').replace(/(\.\d{3})\d+/, '$1'));
    return isNaN(d.getTime()) ? null : d;
  }

  function timeEl(iso) {
    var d = parseTime(iso);
    if (!d) { return document.createTextNode('—'); }
    return el('time', { datetime: d.toISOString() }, [d.toISOString().slice(11, 19)]);
  }

  function short(s) {
    if (!s) { return '—'; }
    return s.length > 8 ? s.slice(0, 8) + '…' : s;
  }

  // shortSecret shows a SecretId's start and end ("AKID…000001").
  function shortSecret(s) {
    if (!s) { return '—'; }
    return s.length > 12 ? s.slice(0, 4) + '…' + s.slice(-6) : s;
  }

  function webURL(s) {
    return /^(https?:\/\/|\/)/.test(s || '') ? s : '';
  }

  function replaceRows(tbodyId, rows, emptyText, columns) {
    var tbody = document.getElementById(tbodyId);
    var frag = document.createDocumentFragment();
    if (rows.length === 0) {
      frag.appendChild(el('tr', { 'class': 'empty' }, [el('td', { colspan: columns }, [emptyText])]));
    }
    rows.forEach(function (r) { frag.appendChild(r); });
    tbody.replaceChildren(frag);
  }

  function sessionRow(s) {
    // The web flow's {ErrorCode, ErrorMsg}, or the bare code (and its
    // Description) an SDK flow renders.
    var res = s.Result;
    if (res !== null && res !== undefined && typeof res !== 'object') {
      res = { ErrorCode: String(res), ErrorMsg: s.Description || '' };
    }
    var result = res ?
      [el('span', { 'class': 'code' }, [res.ErrorCode]), ' ', el('span', { 'class': 'msg' }, [res.ErrorMsg])] :
      ['—'];
    // The web flow's verification page, or an SDK flow's simulator page.
    var link = webURL(s.VerificationURL), sim = !link && webURL(s.SimulatorURL);
    return el('tr', { 'data-token': s.Token }, [
      td('created', 'Created', [timeEl(s.CreatedAt)]),
      td('token mono', 'BizToken', [s.Token], { title: s.Token }),
      td('secret mono', 'SecretId', [shortSecret(s.SecretId)], { title: s.SecretId }),
      td('state', 'State', [el('span', { 'class': 'badge state-' + s.State }, [s.State])]),
      td('scenario', 'Scenario', [s.Scenario], { title: s.ScenarioReason }),
      td('result', 'Result', result),
      td('attempts num', 'Attempts', [(s.Attempts || []).length]),
      td('page', 'Page', [link ? el('a', { href: link, target: '_blank', rel: 'noopener noreferrer' }, ['open']) :
        sim ? el('a', { href: sim, target: '_blank', rel: 'noopener noreferrer', 'class': 'sim' }, ['simulator']) : '—'])
    ]);
  }

  function hasDetails(r) {
    return !!(r.diagnostics || r.message || (r.notes && r.notes.length) || r.fault);
  }

  function pair(dl, term, value, cls) {
    dl.appendChild(el('dt', {}, [term]));
    dl.appendChild(el('dd', cls ? { 'class': cls } : {}, [value]));
  }

  function detailRow(r) {
    var dl = el('dl');
    if (r.message) { pair(dl, 'Message', r.message); }
    if (r.service === 'webhook') { pair(dl, 'Callback URL', r.path, 'mono'); }
    if (r.fault) { pair(dl, 'Fault', r.fault); }
    (r.notes || []).forEach(function (n) { pair(dl, 'Note', n); });
    var d = r.diagnostics;
    if (d) {
      if (d.hint) { pair(dl, 'Hint', d.hint); }
      pair(dl, 'Scheme', d.scheme);
      if (d.signedHeaders) { pair(dl, 'Signed headers', d.signedHeaders, 'mono'); }
      pair(dl, 'Host candidates', (d.hostCandidates || []).join(', '), 'mono');
      if (d.canonicalRequest) { pair(dl, 'Expected canonical request', el('pre', {}, [d.canonicalRequest])); }
      pair(dl, 'Expected string to sign', el('pre', {}, [d.stringToSign]));
    }
    var details = el('details', { 'data-id': r.requestId }, [
      el('summary', {}, [d ? 'Signature diagnostics' : 'Details']), dl
    ]);
    return el('tr', { 'class': 'detail', 'data-for': r.requestId }, [el('td', { colspan: 8 }, [details])]);
  }

  function requestRows(r) {
    var rows = [el('tr', { 'class': 'req', 'data-id': r.requestId }, [
      td('time', 'Time', [timeEl(r.time)]),
      td('action', 'Action', [r.action || '—']),
      td('secret mono', 'SecretId', [shortSecret(r.secretId)], { title: r.secretId || '' }),
      td('sdk', 'SDK', [r.sdk || '—']),
      td('sig', 'Signature', [el('span', { 'class': 'badge sig-' + r.signature }, [r.signature])]),
      td('error', 'Error', [r.errorCode || '—']),
      td('latency num', 'Latency', [(r.latencyMs || 0).toFixed(1) + ' ms']),
      td('token mono', 'BizToken', [short(r.token)], { title: r.token || '' })
    ])];
    if (hasDetails(r)) { rows.push(detailRow(r)); }
    return rows;
  }

  function scenarioRow(s) {
    var name = [s.name];
    if (s['default']) { name.push(' ', el('span', { 'class': 'badge default' }, ['default'])); }
    return el('tr', { 'data-name': s.name }, [
      td('name mono', 'Name', name),
      td('description', 'Description', [s.description || '']),
      td('completion', 'Completion', [s.completion || '']),
      td('source mono', 'Source', [s.source || ''])
    ]);
  }

  function renderSessions(data) {
    var key = JSON.stringify(data);
    if (key === last.sessions) { return; }
    last.sessions = key;
    var list = (data.Sessions || []).slice().reverse();
    replaceRows('sessions-body', list.map(sessionRow),
      'No sessions yet. ApplyWebVerificationBizTokenIntl creates one.', 8);
    document.getElementById('sessions-count').textContent = list.length + ' of ' + data.Total;
  }

  function renderRequests(data) {
    var key = JSON.stringify(data.Requests) + data.Total;
    if (key === last.requests) { return; }
    last.requests = key;
    // Keep open diagnostics open across refreshes.
    var open = {};
    document.querySelectorAll('#requests-body details[open]').forEach(function (d) {
      open[d.getAttribute('data-id')] = true;
    });
    var list = (data.Requests || []).slice().reverse();
    var rows = [];
    list.forEach(function (r) { rows = rows.concat(requestRows(r)); });
    replaceRows('requests-body', rows, 'No API requests yet.', 8);
    document.querySelectorAll('#requests-body details').forEach(function (d) {
      if (open[d.getAttribute('data-id')]) { d.open = true; }
    });
    document.getElementById('requests-count').textContent =
      list.length + ' of ' + data.Total + ' (journal keeps ' + data.Capacity + ')';
  }

  function renderScenarios(data) {
    var key = JSON.stringify(data);
    if (key === last.scenarios) { return; }
    last.scenarios = key;
    replaceRows('scenarios-body', (data.Scenarios || []).map(scenarioRow), 'No scenarios.', 4);
    document.getElementById('scenarios-count').textContent = String(data.Total);
  }

  // Metrics: one row per series of GET /_emulator/metrics?format=json (the
  // JSON twin of the Prometheus exposition); a histogram shows its count
  // and mean.
  var metricNames = {
    emulator_api_requests_total: 'API requests',
    emulator_api_request_duration_seconds: 'API latency',
    emulator_signature_failures_total: 'Signature failures',
    emulator_sessions: 'Sessions',
    emulator_session_evictions_total: 'Evictions (EMULATOR_MAX_SESSIONS)',
    emulator_scenario_selections_total: 'Scenario selections',
    emulator_store_write_duration_seconds: 'Store writes'
  };

  function labelText(labels) {
    return Object.keys(labels || {}).sort().map(function (k) { return k + '=' + labels[k]; }).join(',');
  }

  function metricRows(f) {
    var samples = f.samples || [];
    if (samples.length === 0) { samples = [{ labels: {}, value: 0 }]; }
    return samples.map(function (s) {
      var value = String(s.value);
      if (f.type === 'histogram') {
        value = s.value + (s.value ? ', mean ' + (s.sum / s.value * 1000).toFixed(2) + ' ms' : '');
      }
      var labels = labelText(s.labels);
      return el('tr', { 'data-metric': f.name, 'data-labels': labels }, [
        td('name', 'Metric', [metricNames[f.name] || f.name], { title: f.name + ': ' + (f.help || '') }),
        td('labels mono', 'Labels', [labels.replace(/,/g, ', ') || '—']),
        td('value num', 'Value', [value])
      ]);
    });
  }

  function renderMetrics(data) {
    var key = JSON.stringify(data);
    if (key === last.metrics) { return; }
    last.metrics = key;
    var rows = [];
    (data.families || []).forEach(function (f) { rows = rows.concat(metricRows(f)); });
    replaceRows('metrics-body', rows, 'No metrics.', 3);
  }

  function renderClock(c) {
    var now = document.getElementById('clock-now');
    var d = parseTime(c.now);
    if (d) {
      now.setAttribute('datetime', d.toISOString());
      now.textContent = d.toISOString().slice(11, 19);
    }
    document.getElementById('clock-offset').textContent = c.offsetSeconds ? ' offset ' + c.offset : '';
  }

  function setLive(text, cls) {
    live.textContent = text;
    live.className = 'live ' + (cls || '');
  }

  function refresh() {
    var jobs = [
      get('sessions', { secretId: secretId, limit: sessionLimit }).then(renderSessions),
      get('requests', { secretId: secretId, limit: requestLimit }).then(renderRequests),
      get('clock').then(renderClock),
      get('metrics', { format: 'json' }).then(renderMetrics)
    ];
    if (refreshes % 5 === 0) { jobs.push(get('scenarios').then(renderScenarios)); }
    return Promise.all(jobs).then(function () {
      refreshes++;
      body.setAttribute('data-refreshes', String(refreshes));
      setLive('live · updated ' + new Date().toISOString().slice(11, 19) + ' UTC', 'ok');
    }, function (err) {
      setLive((err instanceof AuthError ? '' : 'refresh failed, retrying: ') + err.message, 'error');
    });
  }

  function loop() {
    var next = function () { window.setTimeout(loop, INTERVAL); };
    if (paused || document.hidden) { next(); return; }
    refresh().then(next, next);
  }

  pauseButton.addEventListener('click', function () {
    paused = !paused;
    pauseButton.textContent = paused ? 'Resume' : 'Pause';
    pauseButton.setAttribute('aria-pressed', String(paused));
    if (paused) { setLive('paused', 'paused'); } else { refresh(); }
  });

  loop();
}());
