// Beckon station web UI: reads the REST API every few seconds and renders counters, instruments and
// bindings. Plain DOM (textContent only: every string from the API is untrusted), no build step.
const PERIOD_MS = 3000;
const BINDINGS_SHOWN = 200;

/** Counters shown as headline figures: [label, metric, reducer]. */
const KPIS = [
  ['SIP requests in', 'sip_requests_in'],
  ['SIP responses out', 'sip_responses_out'],
  ['Bindings', 'registrar_bindings'],
  ['Instruments', 'registrar_instruments'],
  ['REGISTER accepted', 'registrar_accepted_registrations'],
  ['SNMP packets in', 'snmp_engine_stats_total', (s) => s.labels.counter === 'snmpInPkts'],
];

const $ = (sel) => document.querySelector(sel);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function fmt(n) {
  return typeof n === 'number' ? n.toLocaleString('en-US') : String(n);
}

function total(counters, name, filter) {
  const m = counters[name];
  if (!m) return 0;
  return m.samples.filter((s) => !filter || filter(s)).reduce((t, s) => t + s.value, 0);
}

function fill(tbody, rows, cols, emptyText) {
  const frag = document.createDocumentFragment();
  if (rows.length === 0) {
    const tr = el('tr');
    const td = el('td', emptyText, 'empty');
    td.colSpan = cols;
    tr.append(td);
    frag.append(tr);
  }
  for (const cells of rows) {
    const tr = el('tr');
    for (const c of cells) tr.append(c);
    frag.append(tr);
  }
  tbody.replaceChildren(frag);
}

function renderKpis(counters) {
  const box = $('#kpis');
  box.replaceChildren(
    ...KPIS.map(([label, name, filter]) => {
      const d = el('div', undefined, 'kpi');
      d.append(el('div', fmt(total(counters, name, filter)), 'v'), el('div', label, 'k'));
      return d;
    }),
  );
}

function renderCounters(counters) {
  const rows = [];
  for (const name of Object.keys(counters).sort()) {
    const m = counters[name];
    for (const s of m.samples) {
      if (s.value === 0) continue;
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      const cell = el('td', name, 'mono');
      if (labels) cell.append(el('span', `{${labels}}`, 'lbl'));
      rows.push([cell, el('td', fmt(s.value), 'n')]);
    }
  }
  fill($('#counters tbody'), rows, 2, 'no counts yet');
}

function renderInstruments(data) {
  const rows = data.instruments.map((i) => {
    const lines = el('td', undefined, 'lines');
    for (const aor of i.lines) lines.append(el('span', aor));
    return [el('td', i.instrument, 'mono'), lines];
  });
  $('#instruments h2').textContent = `Instruments (${fmt(data.count)})`;
  fill($('#instruments tbody'), rows, 2, 'no instrument registered');
}

function renderBindings(data, health) {
  const rows = data.bindings.map((b) => [
    el('td', b.aor, 'mono'),
    el('td', b.contact, 'mono'),
    el('td', b.instrument ?? '–', 'mono'),
    el('td', b.source ? `${b.transport ?? ''} ${b.source}` : '–', 'mono'),
    el('td', `${fmt(b.expiresInSec)} s`, 'n'),
  ]);
  const all = health.location?.bindings ?? data.count;
  $('#bindings h2').textContent =
    all > data.count ? `Bindings (first ${fmt(data.count)} of ${fmt(all)})` : `Bindings (${fmt(data.count)})`;
  fill($('#bindings tbody'), rows, 5, 'no binding');
}

async function getJson(path) {
  const r = await fetch(path, { headers: { accept: 'application/json' } });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

async function refresh() {
  const status = $('#status');
  try {
    const [health, counters, instruments, bindings] = await Promise.all([
      getJson('/api/v1/health'),
      getJson('/api/v1/counters'),
      getJson('/api/v1/instruments'),
      getJson(`/api/v1/bindings?limit=${BINDINGS_SHOWN}`),
    ]);
    status.replaceChildren(
      el('b', health.status),
      ` · up ${fmt(health.uptimeSec)} s · location ${health.location?.state ?? '?'} · updated ${new Date().toLocaleTimeString()}`,
    );
    renderKpis(counters);
    renderCounters(counters);
    renderInstruments(instruments);
    renderBindings(bindings, health);
  } catch (err) {
    status.replaceChildren(el('b', 'unreachable', 'down'), ` · ${err.message}`);
  }
}

$('#period').textContent = String(PERIOD_MS / 1000);
await refresh();
setInterval(() => void refresh(), PERIOD_MS);
