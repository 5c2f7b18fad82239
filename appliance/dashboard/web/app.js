// Cairn dashboard: plain JavaScript, no build step. It polls the JSON API
// under /dashboard/api/ and fills the page; every value from the node is
// set with textContent, never parsed as HTML.
'use strict';

const API = '/dashboard/api/';
const REFRESH_MS = 3000;
const MAX_LOG_LINES = 500;

const $ = (id) => document.getElementById(id);
let logSeq = 0;
let timer = null;

class HTTPError extends Error {
  constructor(status, msg) { super(msg); this.status = status; }
}

async function api(method, path, body) {
  const opts = { method, credentials: 'same-origin', headers: {} };
  if (body instanceof Blob) {
    opts.body = body;
    opts.headers['Content-Type'] = 'application/octet-stream';
  } else if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(API + path, opts);
  const text = await r.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch { data = { error: text }; } }
  if (!r.ok) throw new HTTPError(r.status, (data && data.error) || r.statusText);
  return data;
}

// ---- formatting ----
function bytes(n) {
  if (!Number.isFinite(n)) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n.toFixed(0) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + u[i];
}
function duration(s) {
  s = Math.floor(s);
  const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}
const num = (n) => Number(n || 0).toLocaleString('en');
function set(id, text, raw) {
  const el = $(id);
  el.textContent = text;
  if (raw !== undefined) el.dataset.raw = String(raw);
}
function bar(id, frac) {
  const el = $(id);
  const p = Math.max(0, Math.min(1, frac || 0)) * 100;
  el.style.width = p.toFixed(1) + '%';
  el.classList.toggle('high', p > 90);
}
function showError(msg) {
  const b = $('banner');
  b.textContent = msg || '';
  b.hidden = !msg;
}

// ---- views ----
function show(view) {
  for (const v of ['loading', 'setup', 'login', 'main']) $('view-' + v).hidden = v !== view;
  $('nav').hidden = view !== 'main';
  if (view === 'main') { start(); } else { stop(); }
}

async function route() {
  try {
    const s = await api('GET', 'session');
    if (!s.password_set) show('setup');
    else if (!s.logged_in) show('login');
    else show('main');
    showError('');
  } catch (e) {
    showError('Cannot reach the node: ' + e.message);
    setTimeout(route, REFRESH_MS);
  }
}

function start() {
  if (timer !== null) return;
  logSeq = 0;
  $('logs').textContent = '';
  refreshTokens();
  const tick = async () => {
    await Promise.all([refreshStatus(), refreshLogs()]);
    if (timer !== null) timer = setTimeout(tick, REFRESH_MS);
  };
  timer = setTimeout(tick, 0);
}
function stop() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

// handle sends the user back to the login form when the session ended,
// and shows other errors in the banner.
function handle(e) {
  if (e instanceof HTTPError && e.status === 401) { stop(); route(); return; }
  showError(e.message);
}

// ---- status ----
async function refreshStatus() {
  let st;
  try { st = await api('GET', 'status'); } catch (e) { handle(e); return; }
  showError('');
  renderSystem(st.system);
  renderNode(st.node, st.node_error);
  renderFarm(st.farm, st.farm_error);
  renderActions(st.actions);
  set('updated', 'updated ' + new Date(st.time).toLocaleTimeString());
}

function renderSystem(s) {
  set('hostname', s.hostname || '');
  set('sys-uptime', duration(s.uptime_s), s.uptime_s);
  set('sys-load', `${s.load1.toFixed(2)} ${s.load5.toFixed(2)} ${s.load15.toFixed(2)} (${s.cpus} CPUs)`);
  set('sys-cpu', s.cpu_percent.toFixed(0) + ' %', s.cpu_percent);
  bar('sys-cpu-bar', s.cpu_percent / 100);
  const used = s.mem_total_bytes - s.mem_available_bytes;
  set('sys-mem', `${bytes(used)} of ${bytes(s.mem_total_bytes)}`, used);
  bar('sys-mem-bar', s.mem_total_bytes ? used / s.mem_total_bytes : 0);
  const d = s.disk;
  const dused = d.total_bytes - d.free_bytes;
  set('sys-disk', `${bytes(dused)} of ${bytes(d.total_bytes)} (${bytes(d.avail_bytes)} free)`, dused);
  bar('sys-disk-bar', d.total_bytes ? dused / d.total_bytes : 0);
  const ul = $('sys-temps');
  ul.replaceChildren();
  if (!s.temperatures.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No sensors exposed by this machine';
    ul.append(li);
  }
  for (const t of s.temperatures) {
    const li = document.createElement('li');
    const a = document.createElement('span'); a.textContent = t.sensor;
    const b = document.createElement('span'); b.textContent = t.celsius.toFixed(1) + ' °C';
    li.append(a, b);
    ul.append(li);
  }
}

function renderNode(n, err) {
  set('node-version', n.version + (n.revision ? ` (${n.revision.slice(0, 12)})` : ''), n.version);
  set('node-uptime', duration(n.uptime_s), n.uptime_s);
  set('node-peers', num(n.peers), n.peers);
  set('node-peer-id', n.peer_id || '–');
  set('node-data-dir', n.data_dir || '–');
  set('node-error', err || '');
  const s = n.storage;
  set('storage-used', `${bytes(s.used_bytes)} of ${bytes(s.quota_bytes)}`, s.used_bytes);
  bar('storage-bar', s.quota_bytes ? s.used_bytes / s.quota_bytes : 0);
  set('storage-datasets', num(s.datasets), s.datasets);
  set('storage-dataset-bytes', bytes(s.dataset_bytes), s.dataset_bytes);
  set('storage-blocks', num(s.blocks), s.blocks);
  set('storage-transfers', `${num(s.uploads)} / ${num(s.downloads)}`);
  const r = n.relay;
  set('relay-peers', num(r.peers), r.peers);
  set('relay-messages', num(r.messages), r.messages);
  set('relay-rln-accepted', num(r.rln_accepted), r.rln_accepted);
  set('relay-rln-ignored', num(r.rln_ignored), r.rln_ignored);
  set('relay-rln-rejected', num(r.rln_rejected), r.rln_rejected);
  set('relay-spam', num(r.rln_spam), r.rln_spam);
  const p = n.proofs;
  set('proofs-rln', num(p.rln_proofs), p.rln_proofs);
  set('proofs-storage', p.storage_proofs_farm
    ? `${num(p.storage_proofs)} (${num(p.storage_proofs_farm)} on the farm)`
    : num(p.storage_proofs), p.storage_proofs);
  // A dataset whose last self-check failed is an alarm: the node could
  // not prove that it still holds data it promised to keep.
  const failing = (p.selfcheck_datasets || 0) - (p.selfcheck_passing || 0);
  const alarm = $('alarm');
  alarm.textContent = failing > 0
    ? `Storage proof self-check failing for ${failing} of ${p.selfcheck_datasets} datasets: the node cannot prove it still holds them. See the logs; a lost block beyond repair must be fetched again from another node.`
    : '';
  alarm.hidden = failing <= 0;
  set('proofs-selfcheck', p.selfcheck_datasets
    ? `${p.selfcheck_passing} of ${p.selfcheck_datasets} passing, ${num(p.selfcheck_failures)} failures`
    : (p.selfcheck_failures ? `${num(p.selfcheck_failures)} failures` : 'none yet'));
  const ul = $('accel-list');
  ul.replaceChildren();
  for (const b of n.accel) {
    const li = document.createElement('li');
    li.dataset.backend = b.name;
    const name = document.createElement('strong'); name.textContent = b.name;
    const tag = document.createElement('span');
    tag.className = 'tag ' + (b.available ? 'ok' : 'off');
    tag.textContent = b.available ? 'available' : 'unavailable';
    const detail = document.createElement('span');
    detail.className = 'muted';
    detail.style.flexBasis = '100%';
    detail.textContent = b.available ? b.kernels.join(', ') : (b.reason || '');
    li.append(name, tag, detail);
    ul.append(li);
  }
}

// renderFarm shows the farm's status document, whatever its fields: each
// scalar at the top level (and one level down) becomes a row.
function renderFarm(farm, err) {
  const card = $('farm-card');
  card.hidden = !farm && !err;
  set('farm-error', err || '');
  const dl = $('farm-fields');
  dl.replaceChildren();
  if (!farm || typeof farm !== 'object') return;
  const add = (k, v) => {
    const dt = document.createElement('dt'); dt.textContent = k.replaceAll('_', ' ');
    const dd = document.createElement('dd'); dd.textContent = typeof v === 'number' ? num(v) : String(v);
    dl.append(dt, dd);
  };
  if (Array.isArray(farm.queues) && Array.isArray(farm.workers)) {
    // node/farm's Status: queue depth per kind, throughput, one line per
    // worker with its backends and recent latency.
    add('throughput', `${(farm.throughput || 0).toFixed(2)} jobs/s`);
    for (const q of farm.queues) {
      add(`queue ${q.kind}`, `${num(q.pending + q.in_progress)} (${num(q.pending)} waiting, ${num(q.in_progress)} running, ${num(q.redelivered)} redelivered)`);
    }
    add('workers', num(farm.workers.length));
    for (const w of farm.workers) {
      const backends = [...new Set(Object.values(w.backends || {}).flat())].join(', ');
      const ms = (w.recent_latency_ns || 0) / 1e6;
      add(`worker ${w.id}`, `${(w.kinds || []).join(', ')} on ${backends || 'go'}; ${num(w.jobs_done)} done, ${ms.toFixed(0)} ms recent latency, ${(w.throughput || 0).toFixed(2)} jobs/s`);
    }
    return;
  }
  for (const [k, v] of Object.entries(farm)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v)) if (typeof v2 !== 'object') add(`${k} ${k2}`, v2);
    } else if (Array.isArray(v)) {
      add(k, v.length + ' items');
    } else {
      add(k, v);
    }
  }
}

function renderActions(a) {
  $('act-reboot').disabled = !a.reboot;
  $('act-poweroff').disabled = !a.poweroff;
  $('act-update').disabled = !a.update;
  $('update-file').disabled = !a.update;
  set('act-reason', a.reboot ? '' : (a.unavailable || ''));
  set('update-reason', a.update ? '' : (a.update_unavailable || ''));
}

// ---- logs ----
async function refreshLogs() {
  let l;
  try { l = await api('GET', 'logs?since=' + logSeq + '&limit=200'); } catch (e) { handle(e); return; }
  const box = $('logs');
  if (!l.enabled) { box.textContent = 'This node keeps no log ring.'; return; }
  const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 8;
  for (const e of l.entries) {
    const div = document.createElement('div');
    div.className = 'lv-' + e.level;
    const t = document.createElement('span'); t.className = 't';
    t.textContent = new Date(e.time).toLocaleTimeString() + ' ';
    const lv = document.createElement('span'); lv.textContent = e.level.padEnd(5) + ' ';
    const msg = document.createElement('span'); msg.textContent = e.msg;
    div.append(t, lv, msg);
    if (e.attrs) { const a = document.createElement('span'); a.className = 'a'; a.textContent = ' ' + e.attrs; div.append(a); }
    box.append(div);
    logSeq = Math.max(logSeq, e.seq);
  }
  while (box.childElementCount > MAX_LOG_LINES) box.firstElementChild.remove();
  if (l.entries.length && $('logs-follow').checked && (atBottom || l.entries.length === box.childElementCount)) {
    box.scrollTop = box.scrollHeight;
  }
}

// ---- tokens ----
async function refreshTokens() {
  let list;
  try { list = await api('GET', 'tokens'); } catch (e) { if (e.status !== 403) handle(e); return; }
  const ul = $('token-list');
  ul.replaceChildren();
  for (const t of list) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = `${t.name} (${t.id}), created ${new Date(t.created).toLocaleDateString()}`;
    const btn = document.createElement('button');
    btn.className = 'link';
    btn.textContent = 'Revoke';
    btn.addEventListener('click', async () => {
      if (!confirm(`Revoke token "${t.name}"? Scripts using it stop working.`)) return;
      try { await api('DELETE', 'tokens/' + encodeURIComponent(t.id)); } catch (e) { handle(e); }
      refreshTokens();
    });
    li.append(name, btn);
    ul.append(li);
  }
}

// ---- forms ----
function onSubmit(id, fn) {
  $(id).addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const btn = ev.target.querySelector('button[type=submit]');
    btn.disabled = true;
    try { await fn(); } finally { btn.disabled = false; }
  });
}

function wire() {
  onSubmit('setup-form', async () => {
    const p1 = $('setup-password').value, p2 = $('setup-password2').value;
    if (p1 !== p2) { set('setup-error', 'The passwords differ.'); return; }
    try { await api('POST', 'setup', { password: p1 }); set('setup-error', ''); route(); }
    catch (e) { set('setup-error', e.message); }
  });
  onSubmit('login-form', async () => {
    try { await api('POST', 'login', { password: $('login-password').value }); }
    catch (e) { set('login-error', e.message); return; }
    $('login-password').value = '';
    set('login-error', '');
    route();
  });
  $('logout').addEventListener('click', async () => {
    try { await api('POST', 'logout'); } catch (e) { showError(e.message); }
    route();
  });
  onSubmit('token-form', async () => {
    try {
      const r = await api('POST', 'tokens', { name: $('token-name').value });
      set('token-secret', r.token);
      $('token-new').hidden = false;
      $('token-name').value = '';
      refreshTokens();
    } catch (e) { handle(e); }
  });
  onSubmit('password-form', async () => {
    try {
      await api('POST', 'password', { old: $('pw-old').value, new: $('pw-new').value });
      set('pw-result', 'Password changed; other sessions were logged out.');
      $('pw-old').value = ''; $('pw-new').value = '';
    } catch (e) { set('pw-result', e.message); }
  });
  for (const [id, path, what] of [['act-reboot', 'actions/reboot', 'Reboot'], ['act-poweroff', 'actions/poweroff', 'Power off']]) {
    $(id).addEventListener('click', async () => {
      if (!confirm(`${what} the node now?`)) return;
      try { const r = await api('POST', path); set('act-result', r.status); }
      catch (e) { set('act-result', e.message); }
    });
  }
  onSubmit('update-form', async () => {
    const f = $('update-file').files[0];
    if (!f) { set('act-result', 'Choose an image file first.'); return; }
    set('act-result', `Uploading ${bytes(f.size)}…`);
    try { const r = await api('POST', 'actions/update', f); set('act-result', r.status); }
    catch (e) { set('act-result', e.message); }
  });
}

wire();
route();
