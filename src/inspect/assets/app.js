// hookcli inspect: the page. Every piece of delivery data is put on the page
// as text (textContent and text nodes), never parsed as markup.
'use strict';

const TOKEN_KEY = 'hookcli-inspect-token';

// The token comes in the printed URL; keep it for this tab and take it out
// of the address bar.
(function takeToken() {
  const params = new URLSearchParams(location.search);
  const t = params.get('token');
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t);
    history.replaceState(null, '', location.pathname + location.hash);
  }
})();

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

async function api(path, options) {
  const opts = Object.assign({ cache: 'no-store' }, options || {});
  opts.headers = Object.assign({ 'X-Hookcli-Token': token() }, opts.headers || {});
  const r = await fetch(path, opts);
  const type = r.headers.get('content-type') || '';
  const data = type.startsWith('application/json') ? await r.json() : await r.text();
  if (!r.ok) {
    throw new Error((data && data.error) || ('HTTP ' + r.status));
  }
  return data;
}

// Builds an element; strings among the children become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

function shortTime(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  // Today: the time alone; earlier: the date too.
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

function statusBadge(status, error) {
  if (error) return el('span', { class: 'badge err', title: error, text: 'error' });
  if (status === null || status === undefined) return el('span', { class: 'badge', text: '–' });
  return el('span', { class: 'badge s' + String(status)[0], text: String(status) });
}

function ms(v) {
  return v === null || v === undefined ? '–' : v.toFixed(1) + ' ms';
}

const main = () => document.getElementById('main');
const live = () => document.getElementById('live');

// ---------------------------------------------------------------- state

const state = {
  info: null,
  cursor: '',
  filters: { provider: '', event: '', status: '', verdict: '', q: '' },
  view: null, // { kind: 'list' } or { kind: 'detail', id, refresh }
  seen: new Set(),
};

// ---------------------------------------------------------------- list

function filterForm() {
  const f = state.filters;
  let timer = null;
  const changed = (key) => (ev) => {
    f[key] = ev.target.value;
    clearTimeout(timer);
    timer = setTimeout(loadList, 200);
  };
  const select = (key, label, options) =>
    el('label', {}, label,
      el('select', { id: 'filter-' + key, onchange: changed(key) },
        options.map(([v, t]) => el('option', { value: v, selected: f[key] === v }, t))));
  const input = (key, label, placeholder) =>
    el('label', {}, label,
      el('input', { id: 'filter-' + key, type: 'search', value: f[key], placeholder, oninput: changed(key) }));
  return el('form', { class: 'filters', role: 'search', onsubmit: (e) => e.preventDefault() },
    input('q', 'Search', 'id, path, event, body text'),
    input('provider', 'Provider', 'stripe'),
    input('event', 'Event', 'invoice.*'),
    select('status', 'Last status', [['', 'any'], ['2xx', '2xx'], ['3xx', '3xx'], ['4xx', '4xx'],
      ['5xx', '5xx'], ['failed', 'failed'], ['none', 'never sent']]),
    select('verdict', 'Verdict', [['', 'any'], ['valid', 'valid'], ['invalid', 'invalid'],
      ['unsigned', 'unsigned'], ['unchecked', 'unchecked'], ['unknown', 'unknown']]));
}

function showList() {
  state.view = { kind: 'list' };
  const m = main();
  clear(m);
  m.append(
    el('h1', { text: 'Deliveries' }),
    filterForm(),
    el('p', { id: 'list-note', class: 'muted', role: 'status' }),
    el('table', { id: 'deliveries' },
      el('thead', {}, el('tr', {},
        el('th', { text: 'Time' }), el('th', { class: 'wide', text: 'Method' }), el('th', { text: 'Path' }),
        el('th', { text: 'Provider' }), el('th', { text: 'Event' }), el('th', { text: 'Verdict' }),
        el('th', { text: 'Status' }), el('th', { class: 'wide', text: 'Duration' }))),
      el('tbody', {})));
  loadList();
}

async function loadList() {
  if (!state.view || state.view.kind !== 'list') return;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(state.filters)) if (v) params.set(k, v);
  const note = document.getElementById('list-note');
  let data;
  try {
    data = await api('/api/deliveries?' + params.toString());
  } catch (e) {
    if (note) { note.textContent = e.message; note.className = 'error'; }
    return;
  }
  if (!state.view || state.view.kind !== 'list') return;
  const body = document.querySelector('#deliveries tbody');
  if (!body) return;
  clear(body);
  const first = state.seen.size === 0;
  for (const d of data.deliveries) {
    const fresh = !first && !state.seen.has(d.id);
    state.seen.add(d.id);
    body.append(el('tr', { 'data-id': d.id, class: fresh ? 'fresh' : null },
      el('td', { class: 'num' }, el('a', { class: 'open', href: '#/d/' + encodeURIComponent(d.id), title: d.id },
        shortTime(d.received_at))),
      el('td', { class: 'wide', text: d.method }),
      el('td', { class: 'path', text: d.path }),
      el('td', { text: d.provider || '–' }),
      el('td', { text: d.event_type || '–' }),
      el('td', {}, el('span', { class: 'badge ' + d.verdict, text: d.verdict })),
      el('td', {}, statusBadge(d.last_status, d.last_error)),
      el('td', { class: 'num wide', text: ms(d.duration_ms) })));
  }
  note.className = 'muted';
  note.textContent = data.deliveries.length === 0
    ? 'No deliveries match. Send one to a running hookcli listen; it shows up here by itself.'
    : data.deliveries.length + ' shown, newest first.';
}

// ---------------------------------------------------------------- detail

function headersTable(headers) {
  return el('table', { class: 'headers' },
    el('tbody', {}, headers.map(([n, v]) => el('tr', {}, el('th', { text: n }), el('td', { text: v })))));
}

function bodyView(b, label) {
  const meta = el('p', { class: 'muted' },
    b.size + ' bytes · sha256 ' + b.sha256 + (b.truncated ? ' · shown cut at 1 MiB' : ''));
  const parts = [meta];
  if (b.size === 0) {
    parts.push(el('p', { class: 'muted', text: '(empty body)' }));
    return parts;
  }
  if (b.json !== undefined) {
    parts.push(el('pre', { class: 'body pretty', 'aria-label': label + ' (pretty-printed JSON)', text: b.json }));
    parts.push(el('details', {}, el('summary', { text: 'raw text' }), el('pre', { class: 'body raw', text: b.text })));
  } else if (b.form !== undefined) {
    parts.push(headersTable(b.form));
    parts.push(el('details', {}, el('summary', { text: 'raw text' }), el('pre', { class: 'body raw', text: b.text })));
  } else if (b.text !== undefined) {
    parts.push(el('pre', { class: 'body raw', 'aria-label': label, text: b.text }));
  } else {
    parts.push(el('p', { class: 'muted', text: 'not UTF-8: hex' }));
    parts.push(el('pre', { class: 'body hex', text: b.hex.replace(/(.{64})/g, '$1\n') }));
  }
  return parts;
}

async function copyFrom(path, button, out) {
  try {
    const data = await api(path);
    const text = typeof data === 'string' ? data : JSON.stringify(data, null, 2);
    clear(out);
    const area = el('textarea', { readonly: true, 'aria-label': button.textContent, rows: 8 });
    area.value = text;
    out.append(area);
    let copied = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); copied = true; } catch (e) { copied = false; }
    }
    if (!copied) { area.focus(); area.select(); }
    out.append(el('p', { class: 'muted', role: 'status', text: copied ? 'Copied.' : 'Select and copy it.' }));
  } catch (e) {
    clear(out);
    out.append(el('p', { class: 'error', text: e.message }));
  }
}

async function showDetail(id) {
  state.view = { kind: 'detail', id };
  const m = main();
  clear(m);
  m.append(el('p', {}, el('a', { href: '#/', text: '← all deliveries' })));
  let d;
  try {
    d = await api('/api/deliveries/' + encodeURIComponent(id));
  } catch (e) {
    m.append(el('p', { class: 'error', text: e.message }));
    return;
  }
  if (!state.view || state.view.id !== id) return;
  const v = d.verdict;
  const copyOut = el('div', { id: 'copy-out' });
  m.append(
    el('h1', { id: 'title' }, d.method + ' ' + d.path),
    el('dl', { class: 'facts' },
      el('dt', { text: 'id' }), el('dd', { text: d.id + ' (short ' + d.short_id + ')' }),
      el('dt', { text: 'received' }), el('dd', { text: shortTime(d.received_at) + ' from ' + (d.peer || '?') + ', ' + d.http_version + ', ' + d.source }),
      d.public_url ? [el('dt', { text: 'public URL' }), el('dd', { text: d.public_url })] : null,
      el('dt', { text: 'event' }), el('dd', { text: [d.provider || '–', d.event_type || '', d.event_id || ''].join(' ').trim() }),
      el('dt', { text: 'verdict' }), el('dd', { id: 'verdict' },
        el('span', { class: 'badge ' + v.verdict, text: v.verdict }), ' ', v.explanation || ''),
      d.rejected ? [el('dt', { text: 'rejected' }), el('dd', { class: 'error', text: d.rejected })] : null),
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'secondary', id: 'copy-curl',
        onclick: (e) => copyFrom('/api/deliveries/' + encodeURIComponent(d.id) + '/curl', e.target, copyOut) }, 'Copy curl command'),
      el('button', { type: 'button', class: 'secondary', id: 'copy-json',
        onclick: (e) => copyFrom('/api/deliveries/' + encodeURIComponent(d.id) + '/document', e.target, copyOut) }, 'Copy portable JSON')),
    copyOut,
    el('section', {}, el('h2', { text: 'Request headers (' + d.headers.length + ', in order)' }), headersTable(d.headers)),
    el('section', { id: 'request-body' }, el('h2', { text: 'Request body' }), bodyView(d.body, 'request body')),
    replayForm(d),
    el('section', {}, el('h2', { id: 'attempts-title', text: 'Attempts' }),
      el('ol', { class: 'attempts', id: 'attempts' }),
      el('div', { id: 'diff' })));
  renderAttempts(d.attempts);
  state.view.refresh = async () => {
    try {
      const fresh = await api('/api/deliveries/' + encodeURIComponent(id));
      if (state.view && state.view.id === id) renderAttempts(fresh.attempts);
    } catch (e) { /* the next change retries */ }
  };
  m.focus({ preventScroll: true });
}

function replayForm(d) {
  const resign = state.info && state.info.resign;
  const editable = d.body.text !== undefined && !d.body.truncated;
  const status = el('p', { id: 'replay-status', role: 'status', 'aria-live': 'polite', class: 'muted' });
  const editor = el('textarea', { id: 'replay-body', 'aria-label': 'edited body', hidden: true, spellcheck: 'false' });
  editor.value = editable ? d.body.text : '';
  const exact = el('input', { type: 'radio', name: 'mode', value: 'exact', id: 'mode-exact', checked: true });
  const resigned = el('input', { type: 'radio', name: 'mode', value: 'resign', id: 'mode-resign', disabled: !resign });
  const edit = el('input', { type: 'checkbox', id: 'replay-edit', disabled: !resign || !editable,
    onchange: () => { editor.hidden = !edit.checked; if (edit.checked) { resigned.checked = true; editor.focus(); } } });
  const to = el('input', { type: 'url', id: 'replay-to', placeholder: 'http://localhost:3000 (empty: where it was forwarded)' });
  const lastForward = d.attempts.filter((a) => a.kind === 'forward').pop();
  const send = el('button', { type: 'submit', id: 'replay-button' }, 'Replay');
  const form = el('form', { id: 'replay', onsubmit: async (e) => {
    e.preventDefault();
    const payload = { mode: resigned.checked ? 'resign' : 'exact' };
    if (to.value.trim()) payload.to = to.value.trim();
    if (edit.checked) payload.body = editor.value;
    send.disabled = true;
    status.className = 'muted';
    status.textContent = 'Sending…';
    try {
      const r = await api('/api/deliveries/' + encodeURIComponent(d.id) + '/replay', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
      const a = r.attempt;
      status.textContent = (r.resigned ? 'Re-signed replay' : 'Exact replay') + ' to ' + r.url + ': ' +
        (a.error ? a.error : a.status) + ' in ' + ms(a.duration_ms) +
        (r.warnings.length ? ' — ' + r.warnings.join('; ') : '');
      status.className = a.ok ? 'muted' : 'error';
      if (state.view && state.view.refresh) await state.view.refresh();
    } catch (err) {
      status.className = 'error';
      status.textContent = err.message;
    } finally {
      send.disabled = false;
    }
  } },
  el('fieldset', {},
    el('legend', { text: 'How' }),
    el('label', {}, exact, ' exact: the recorded bytes and headers'),
    el('label', {}, resigned, ' re-signed: a fresh signature and timestamp',
      resign ? ' (secret from ' + resign.secret_from + ')' : ' (start inspect with --secret-env VAR to enable)'),
    el('label', {}, edit, ' edit the body first (always re-signed)' + (editable ? '' : ' — not a text body'))),
  editor,
  el('label', { for: 'replay-to' }, 'Send to (base URL; the delivery\'s path is appended)'),
  to,
  el('p', { class: 'muted', text: lastForward ? 'Empty: ' + lastForward.target : 'Never forwarded: give a URL.' }),
  el('div', { class: 'actions' }, send),
  status);
  return el('section', {}, el('h2', { text: 'Replay' }), form);
}

function renderAttempts(attempts) {
  const list = document.getElementById('attempts');
  if (!list) return;
  // Unchanged: keep the list as it is (open details, ticked boxes, focus).
  const signature = JSON.stringify(attempts.map((a) => [a.n, a.status, a.error]));
  if (list.dataset.signature === signature) return;
  list.dataset.signature = signature;
  const title = document.getElementById('attempts-title');
  title.textContent = 'Attempts (' + attempts.length + ')';
  const checked = new Set([...list.querySelectorAll('input.cmp:checked')].map((c) => c.value));
  clear(list);
  if (attempts.length === 0) list.append(el('li', { class: 'muted', text: 'None yet.' }));
  for (const a of attempts) {
    const box = el('input', { type: 'checkbox', class: 'cmp', value: String(a.n), checked: checked.has(String(a.n)),
      onchange: () => renderDiff(attempts) });
    list.append(el('li', { class: 'attempt', 'data-kind': a.kind, 'data-n': a.n },
      el('h3', {}, '#' + a.n + ' ' + a.kind + ' ', statusBadge(a.status, a.error), ' ',
        el('span', { class: 'muted', text: (a.target || 'answered by hookcli') + ' · ' + ms(a.duration_ms) + ' · ' + shortTime(a.started_at) })),
      a.error ? el('p', { class: 'error', text: a.error }) : null,
      el('label', { class: 'muted' }, box, ' compare'),
      el('details', {}, el('summary', { text: 'response headers (' + a.headers.length + ')' }), headersTable(a.headers)),
      bodyView(a.body, 'response body'),
      a.sent ? el('details', {}, el('summary', { text: 'request as sent (re-signed or edited)' }),
        headersTable(a.sent.headers), bodyView(a.sent.body, 'sent body')) : null));
  }
  renderDiff(attempts);
}

// ---------------------------------------------------------------- diff

function lines(a) {
  const b = a.body;
  const text = b.json !== undefined ? b.json : (b.text !== undefined ? b.text : b.hex);
  return ['status ' + (a.error || a.status)].concat(a.headers.map(([n, v]) => n + ': ' + v), [''], text.split('\n'));
}

// Side-by-side rows from a longest-common-subsequence walk.
function diffRows(x, y) {
  if (x.length * y.length > 4000000) return null;
  const n = x.length, m = y.length;
  const t = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--)
    t[i][j] = x[i] === y[j] ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
  const rows = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { rows.push([x[i], y[j], '']); i++; j++; }
    else if (j < m && (i === n || t[i][j + 1] >= t[i + 1][j])) { rows.push(['', y[j], 'add']); j++; }
    else { rows.push([x[i], '', 'chg']); i++; }
  }
  return rows;
}

function renderDiff(attempts) {
  const out = document.getElementById('diff');
  if (!out) return;
  clear(out);
  const picked = [...document.querySelectorAll('input.cmp:checked')].map((c) => Number(c.value));
  if (picked.length !== 2) {
    out.append(el('p', { class: 'muted', text: 'Tick two attempts to compare their responses side by side.' }));
    return;
  }
  const [a, b] = picked.map((n) => attempts.find((x) => x.n === n));
  const rows = diffRows(lines(a), lines(b));
  const left = el('pre', { 'aria-label': 'attempt ' + a.n });
  const right = el('pre', { 'aria-label': 'attempt ' + b.n });
  if (rows === null) {
    left.textContent = lines(a).join('\n');
    right.textContent = lines(b).join('\n');
  } else {
    for (const [l, r, kind] of rows) {
      left.append(el('div', { class: kind === 'chg' ? 'chg' : null, text: l || ' ' }));
      right.append(el('div', { class: kind === 'add' ? 'add' : null, text: r || ' ' }));
    }
  }
  out.append(el('h3', { text: 'Attempt #' + a.n + ' and #' + b.n }), el('div', { class: 'diff' }, left, right));
}

// ---------------------------------------------------------------- live

async function watch() {
  for (;;) {
    try {
      const r = await api('/api/changes?cursor=' + encodeURIComponent(state.cursor));
      live().textContent = 'live';
      live().className = 'live on';
      if (r.cursor !== state.cursor) {
        state.cursor = r.cursor;
        if (state.view && state.view.kind === 'list') await loadList();
        else if (state.view && state.view.refresh) await state.view.refresh();
      }
    } catch (e) {
      live().textContent = 'disconnected: ' + e.message;
      live().className = 'live off';
      await new Promise((ok) => setTimeout(ok, 2000));
    }
  }
}

function route() {
  const m = /^#\/d\/(.+)$/.exec(location.hash);
  if (m) showDetail(decodeURIComponent(m[1]));
  else showList();
}

async function start() {
  try {
    state.info = await api('/api/info');
  } catch (e) {
    live().textContent = e.message;
    live().className = 'live off';
  }
  window.addEventListener('hashchange', route);
  route();
  watch();
}

start();
