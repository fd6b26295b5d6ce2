// Script: faults and rate limits, the mock clock, scenarios and reset.

import { applyScenarioFile, control } from './api.js';
import { $, $$, act, announce, fillRows, formValues, formatInstant, h } from './ui.js';

// Every field a preset sets, and its value unless the preset says otherwise.
const PRESET_FIELDS = {
  status: '',
  fault: '',
  hangMs: '',
  distribution: 'fixed',
  delayMs: '',
  lowerMs: '',
  upperMs: '',
  medianMs: '',
  sigma: '',
  dribbleChunks: '',
  dribbleTotalMs: '',
  times: '',
};

const PRESETS = {
  outage: { status: '502' },
  quota: { status: '402' },
  rate: { status: '429' },
  latency: { delayMs: '2000' },
  failNext: { status: '500', times: '3' },
  reset: { fault: 'connection_reset' },
  hang: { fault: 'hang', hangMs: '30000' },
  longTail: { distribution: 'lognormal', medianMs: '200', sigma: '0.8' },
  dribble: { dribbleChunks: '10', dribbleTotalMs: '5000' },
};

// What a transport fault does, in a fault's description.
const TRANSPORT_FAULTS = {
  connection_reset: 'reset the connection',
  empty_response: 'close with no answer',
  random_data_then_close: 'send random bytes, then close',
  malformed_chunk: 'send a malformed chunk, then close',
  truncated_body: 'truncate the body, then close',
  hang: 'hang',
};

// examples/sold-out-415.yaml
const EXAMPLE = `description: >-
  The US is sold out of 415 numbers; Pingram answers 502 one time in ten; Bird's search
  takes about 150 ms with a long tail; one Pingram order in twenty loses its connection.
soldOut:
  - countryCodes: [US]
    prefix: "415"
faults:
  - operation: searchAvailableNumbers
    status: 502
    probability: 0.1
  - operation: listStockItems
    delay: {distribution: lognormal, medianMs: 150, sigma: 0.5}
  - operation: numbersOrderNumber
    fault: connection_reset
    probability: 0.05
`;

const POLL_MS = 2000;
let pollTimer = 0;
let polling = false;
let visible = false;

/** Shows (and enables) the fields that go with the chosen transport fault and delay; the
 * others are hidden and disabled, so the form does not send them. */
function showFaultFields() {
  const form = $('#fault-form');
  const { fault, distribution } = form.elements;
  const shown = (field) =>
    (field.dataset.whenFault === undefined || field.dataset.whenFault === fault.value) &&
    (field.dataset.whenDelay === undefined || field.dataset.whenDelay === distribution.value);
  for (const field of $$('[data-when-fault], [data-when-delay]', form)) {
    field.hidden = !shown(field);
    for (const input of $$('input, select', field)) input.disabled = field.hidden;
  }
}

function applyPreset() {
  const form = $('#fault-form');
  const preset = PRESETS[form.elements.preset.value];
  for (const [name, value] of Object.entries({ ...PRESET_FIELDS, ...preset })) {
    form.elements[name].value = value;
  }
  showFaultFields();
}

/** A form's values with these names as numbers. */
function numbers(values, names, parse = Number.parseInt) {
  const body = { ...values };
  for (const name of names) if (name in body) body[name] = parse(body[name], 10);
  return body;
}

/** The fault form as a POST /faults body, with the delay and the dribble as their objects
 * (JSON leaves out what is undefined). */
function faultBody(form) {
  const integers = ['status', 'hangMs', 'delayMs', 'times', 'lowerMs', 'upperMs'];
  const values = numbers(
    numbers(formValues(form), [...integers, 'dribbleChunks', 'dribbleTotalMs']),
    ['probability', 'medianMs', 'sigma'],
    Number.parseFloat,
  );
  const { distribution, lowerMs, upperMs, medianMs, sigma, ...body } = values;
  const { dribbleChunks: chunks, dribbleTotalMs: totalMs } = values;
  for (const name of ['preset', 'dribbleChunks', 'dribbleTotalMs']) delete body[name];
  if (distribution === 'uniform') body.delay = { distribution, lowerMs, upperMs };
  if (distribution === 'lognormal') body.delay = { distribution, medianMs, sigma };
  if (chunks !== undefined || totalMs !== undefined) body.dribble = { chunks, totalMs };
  return body;
}

function describeDelay(fault) {
  const { delay } = fault;
  if (!delay) return fault.delayMs ? `delay ${fault.delayMs} ms` : null;
  if (delay.distribution === 'uniform') {
    return `delay ${delay.lowerMs} to ${delay.upperMs} ms (uniform)`;
  }
  if (delay.distribution === 'lognormal') {
    return `delay ~${delay.medianMs} ms (lognormal, sigma ${delay.sigma})`;
  }
  return `delay (${delay.distribution})`;
}

function describeFault(fault) {
  const parts = [];
  if (fault.fault === 'hang') parts.push(`hang, close after ${fault.hangMs ?? 60000} ms`);
  else if (fault.fault) parts.push(TRANSPORT_FAULTS[fault.fault] ?? fault.fault);
  if (fault.status) parts.push(`fail ${fault.status}${fault.code ? ` ${fault.code}` : ''}`);
  parts.push(describeDelay(fault));
  if (fault.dribble) {
    parts.push(`body in ${fault.dribble.chunks} chunks over ${fault.dribble.totalMs} ms`);
  }
  if (fault.probability) parts.push(`${Math.round(fault.probability * 100)}% of requests`);
  return parts.filter(Boolean).join(', ');
}

function deleteButton(label, key, action) {
  return h(
    'button',
    {
      type: 'button',
      class: 'small',
      'data-focus': key,
      'aria-label': label,
      onclick: (event) => act(event.currentTarget, action),
    },
    'Delete',
  );
}

async function loadFaults() {
  const { faults } = await control('GET', '/faults');
  const rows = faults.map((fault) =>
    h(
      'tr',
      { 'data-operation': fault.operation },
      h('td', {}, h('code', {}, fault.operation)),
      h('td', {}, fault.organizationId ?? 'any'),
      h('td', {}, describeFault(fault)),
      h('td', { class: 'numeric' }, fault.times ?? '∞'),
      h('td', { class: 'numeric fired' }, fault.fired),
      h(
        'td',
        { class: 'actions' },
        deleteButton(`Delete the fault on ${fault.operation}`, `fault:${fault.id}`, async () => {
          await control('DELETE', `/faults/${encodeURIComponent(fault.id)}`);
          announce(`Fault on ${fault.operation} deleted.`);
          await loadFaults();
        }),
      ),
    ),
  );
  fillRows($('#faults-table tbody'), rows, {
    columns: 6,
    empty: 'No fault: every request answers normally.',
  });
}

async function loadLimits() {
  const { rateLimits } = await control('GET', '/rate-limits');
  const rows = rateLimits.map((limit) =>
    h(
      'tr',
      {},
      h('td', {}, h('code', {}, limit.operation)),
      h('td', {}, limit.organizationId ?? 'any'),
      h('td', {}, `${limit.limit} per ${limit.windowSeconds} s`),
      h(
        'td',
        { class: 'actions' },
        deleteButton(
          `Delete the rate limit on ${limit.operation}`,
          `limit:${limit.id}`,
          async () => {
            await control('DELETE', `/rate-limits/${encodeURIComponent(limit.id)}`);
            announce(`Rate limit on ${limit.operation} deleted.`);
            await loadLimits();
          },
        ),
      ),
    ),
  );
  fillRows($('#limits-table tbody'), rows, { columns: 4, empty: 'No rate limit.' });
}

function formatOffset(seconds) {
  if (Math.abs(seconds) < 1) return 'none (real time)';
  const sign = seconds < 0 ? '−' : '+';
  let rest = Math.round(Math.abs(seconds));
  const days = Math.floor(rest / 86400);
  rest %= 86400;
  const hours = Math.floor(rest / 3600);
  const minutes = Math.floor((rest % 3600) / 60);
  return `${sign}${days ? `${days} d ` : ''}${hours} h ${minutes} min`;
}

function showClock(clock) {
  const entries = [
    ['Mock time', formatInstant(clock.now)],
    ['Real time', formatInstant(clock.realNow)],
    ['Ahead by', formatOffset(clock.offsetSeconds)],
    ['Running', clock.frozen ? 'no, frozen' : 'yes'],
  ];
  $('#clock').replaceChildren(
    ...entries.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}

async function loadClock() {
  showClock(await control('GET', '/clock'));
}

async function moveClock(body) {
  const clock = await control('POST', '/clock', { body });
  showClock(clock);
  announce(`Mock clock: ${formatInstant(clock.now)}${clock.frozen ? ', frozen' : ''}.`);
}

function loadAll() {
  return Promise.all([act(null, loadFaults), act(null, loadLimits), act(null, loadClock)]);
}

/** The faults' fired counts, every POLL_MS while the panel is shown (one poll at a time). */
async function poll() {
  clearTimeout(pollTimer);
  if (!visible || polling) return;
  polling = true;
  try {
    if (document.visibilityState === 'visible') await act(null, loadFaults);
  } finally {
    polling = false;
  }
  if (visible) pollTimer = setTimeout(poll, POLL_MS);
}

async function applyScenario(text) {
  if (!text.trim()) throw new Error('The scenario is empty: paste a scenario file or pick one.');
  const question = 'Applying a scenario resets numbers-mock to its seed first. Apply it?';
  if (!window.confirm(question)) return;
  // Sent as written: the server reads YAML (and JSON) and names the line of any error.
  const result = await applyScenarioFile(text);
  announce(`Scenario applied: ${JSON.stringify(result)}.`);
  await loadAll();
}

export function init() {
  applyPreset();
  $('#fault-preset').addEventListener('change', applyPreset);
  $('#fault-transport').addEventListener('change', showFaultFields);
  $('#fault-distribution').addEventListener('change', showFaultFields);
  $('#fault-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const body = faultBody(event.currentTarget);
    act(event.submitter, async () => {
      const fault = await control('POST', '/faults', { body });
      announce(`Fault added on ${fault.operation}: ${describeFault(fault)}.`);
      await loadFaults();
    });
  });
  $('#faults-clear').addEventListener('click', (event) =>
    act(event.currentTarget, async () => {
      await control('DELETE', '/faults');
      announce('Every fault cleared.');
      await loadFaults();
    }),
  );
  $('#limit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const body = numbers(formValues(event.currentTarget), ['limit', 'windowSeconds']);
    act(event.submitter, async () => {
      const limit = await control('POST', '/rate-limits', { body });
      announce(`Rate limit added on ${limit.operation}.`);
      await loadLimits();
    });
  });
  $('#limits-clear').addEventListener('click', (event) =>
    act(event.currentTarget, async () => {
      await control('DELETE', '/rate-limits');
      announce('Every rate limit cleared.');
      await loadLimits();
    }),
  );
  for (const button of $$('[data-advance]')) {
    button.addEventListener('click', () =>
      act(button, () => moveClock({ advance: button.dataset.advance })),
    );
  }
  $('#advance-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const { advance } = formValues(event.currentTarget);
    act(event.submitter, () => moveClock({ advance }));
  });
  $('#set-clock-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const { now } = formValues(event.currentTarget);
    const frozen = event.currentTarget.elements.frozen.checked;
    act(event.submitter, () => moveClock({ now, frozen }));
  });
  $('#scenario-file').addEventListener('change', async (event) => {
    const [file] = event.currentTarget.files;
    if (file) $('#scenario-text').value = await file.text();
  });
  $('#scenario-example').addEventListener('click', () => {
    $('#scenario-text').value = EXAMPLE;
  });
  $('#scenario-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act(event.submitter, () => applyScenario($('#scenario-text').value));
  });
  $('#reset').addEventListener('click', (event) =>
    act(event.currentTarget, async () => {
      const question =
        'Reset numbers-mock? The inventory goes back to its seed; owners, workspaces, faults, ' +
        'rate limits and the journal are cleared; the clock returns to real time.';
      if (!window.confirm(question)) return;
      const { inStock } = await control('POST', '/reset');
      announce(`Reset: ${inStock.toLocaleString('en')} numbers in stock.`);
      await loadAll();
    }),
  );
}

export function show() {
  visible = true;
  loadAll();
  clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, POLL_MS);
}

export function hide() {
  visible = false;
  clearTimeout(pollTimer);
}
