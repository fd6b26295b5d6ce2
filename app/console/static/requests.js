// Requests: the journal of provider requests, newest first, polled every second while the
// panel is shown; one entry opens its request and response.

import { control } from './api.js';
import { $, act, announce, fillRows, formValues, formatInstant, formatJson, h } from './ui.js';

const POLL_MS = 1000;
const COLUMNS = 6;
let timer = 0;
let polling = false; // one poll at a time, however often poll() is called
let visible = false;
let shown = null; // the tracking ids and filters on screen: re-render only when they change

// A transport fault, in the Status column: short, with the API's name as its title.
const FAULT_LABELS = {
  connection_reset: 'reset',
  empty_response: 'empty',
  random_data_then_close: 'garbage',
  malformed_chunk: 'bad chunk',
  truncated_body: 'truncated',
  hang: 'hang',
};

function statusClass(status) {
  return `status s${String(status)[0]}xx`;
}

/** The status an entry was answered with, and the transport fault that broke it: "200
 * truncated", or the fault alone ("reset") when no status line was sent. */
function statusOf(entry) {
  const label = FAULT_LABELS[entry.fault] ?? entry.fault;
  const fault = entry.fault
    ? h('span', { class: 'status fault', title: entry.fault }, label)
    : null;
  if (entry.status === null) return fault ?? h('span', { class: 'status fault' }, 'no status');
  const status = h('span', { class: statusClass(entry.status) }, entry.status);
  return fault ? [status, ' ', fault] : status;
}

function row(entry) {
  const target = `${entry.path}${entry.query ? `?${entry.query}` : ''}`;
  return h(
    'tr',
    { 'data-tracking-id': entry.trackingId },
    h('td', {}, h('time', { datetime: entry.receivedAt }, entry.receivedAt.slice(11, 23))),
    h('td', { class: 'status-cell' }, statusOf(entry)),
    h('td', {}, h('code', {}, entry.operation)),
    h(
      'td',
      { class: 'request' },
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          'aria-controls': 'request-detail',
          'data-focus': entry.trackingId,
          onclick: (event) => act(event.currentTarget, () => open(entry.trackingId)),
        },
        `${entry.method} ${target}`,
      ),
    ),
    h('td', {}, entry.organizationId ?? entry.sub ?? '—'),
    h('td', { class: 'numeric' }, `${entry.durationMs.toFixed(1)} ms`),
  );
}

async function load() {
  const filters = formValues($('#requests-form'));
  const { requests } = await control('GET', '/requests', { query: { ...filters, limit: 200 } });
  const key = JSON.stringify([filters, requests.map((entry) => entry.trackingId)]);
  if (key === shown) return;
  shown = key;
  fillRows($('#requests-table tbody'), requests.map(row), {
    columns: COLUMNS,
    empty:
      'No request yet. Call the APIs (the Tokens panel has ready curl commands): ' +
      'they appear here.',
  });
  markOpen();
}

function markOpen() {
  const open = $('#request-detail').dataset.trackingId;
  for (const tr of $('#requests-table tbody').rows) {
    tr.classList.toggle('selected', Boolean(open) && tr.dataset.trackingId === open);
  }
}

function exchange(title, part, status) {
  const headers = Object.entries(part?.headers ?? {})
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  return h(
    'section',
    { class: 'view', 'aria-label': title },
    h('h3', {}, title, status ? ' ' : null, status),
    h('h4', {}, 'Headers'),
    h('pre', { tabindex: '0' }, headers || '(none)'),
    h('h4', {}, 'Body'),
    h('pre', { tabindex: '0', class: 'body' }, formatJson(part?.body)),
  );
}

async function open(trackingId) {
  const entry = await control('GET', `/requests/${encodeURIComponent(trackingId)}`);
  const detail = $('#request-detail');
  const target = `${entry.path}${entry.query ? `?${entry.query}` : ''}`;
  const heading = h('h2', { tabindex: '-1' }, `${entry.method} ${target}`);
  const facts = [
    entry.operation,
    `caller ${entry.organizationId ?? entry.sub ?? 'unknown'}`,
    formatInstant(entry.receivedAt),
    `${entry.durationMs.toFixed(1)} ms`,
    entry.fault ? `transport fault ${entry.fault}` : null,
    `tracking id ${entry.trackingId}`,
  ].filter(Boolean);
  detail.replaceChildren(
    h(
      'div',
      { class: 'detail-head' },
      heading,
      h('button', { type: 'button', class: 'small', onclick: close }, 'Close'),
    ),
    h('p', { class: 'muted' }, facts.join(' · ')),
    h(
      'div',
      { class: 'views' },
      exchange('Request', entry.request),
      exchange('Response', entry.response, statusOf(entry)),
    ),
  );
  detail.dataset.trackingId = trackingId;
  detail.hidden = false;
  markOpen();
  heading.focus();
}

function close() {
  const detail = $('#request-detail');
  const trackingId = detail.dataset.trackingId;
  detail.hidden = true;
  delete detail.dataset.trackingId;
  markOpen();
  $(`#requests-table [data-focus="${CSS.escape(trackingId ?? '')}"]`)?.focus();
}

/** Every POLL_MS from start to start (a slow answer does not push the next one back). */
async function poll() {
  clearTimeout(timer);
  if (!visible || polling) return;
  polling = true;
  const started = performance.now();
  try {
    if ($('#requests-live').checked && document.visibilityState === 'visible') {
      await act(null, load);
    }
  } finally {
    polling = false;
  }
  if (visible) timer = setTimeout(poll, Math.max(0, POLL_MS - (performance.now() - started)));
}

export function init() {
  const form = $('#requests-form');
  let debounce = 0;
  form.addEventListener('submit', (event) => event.preventDefault());
  form.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => act(null, load), 300);
  });
  $('#requests-live').addEventListener('change', poll);
  $('#requests-clear').addEventListener('click', (event) =>
    act(event.currentTarget, async () => {
      await control('DELETE', '/requests');
      announce('Journal cleared.');
      await load();
    }),
  );
}

export function show() {
  visible = true;
  shown = null;
  poll();
}

export function hide() {
  visible = false;
  clearTimeout(timer);
}
