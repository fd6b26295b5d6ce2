// Stock: search either provider's API page by page, counts per country and type, and each
// number as both APIs present it.

import { CONSOLE_ORG, control, provider, url } from './api.js';
import { openBuyDialog } from './owners.js';
import {
  $,
  $$,
  act,
  checked,
  fillRows,
  formatCapabilities,
  formatMinorUnits,
  h,
  pretty,
  showError,
} from './ui.js';

const BIRD_PATH = `/organizations/${encodeURIComponent(CONSOLE_ORG)}/numbers-stock-items`;
const PINGRAM_PATH = '/numbers/available';
const TYPES = ['local', 'national', 'mobile', 'toll-free'];
const COLUMNS = 6;

// The search shown, and the page tokens of its pages so far (the first page has none).
const state = { search: null, tokens: [undefined], page: 0, next: null, request: '' };

const form = () => $('#stock-form');

function readSearch() {
  const elements = form().elements;
  const api = elements.api.value;
  const country = elements.country.value.replace(/\s+/g, '').toUpperCase();
  const prefix = elements.prefix.value.trim();
  const limit = elements.limit.value;
  if (api === 'bird') {
    const types = checked(form(), 'types').join(',');
    const features = checked(form(), 'birdFeatures').join(',');
    return { api, query: { countryCodes: country, prefix, types, features, limit } };
  }
  const features = checked(form(), 'pingramFeatures').join(',');
  return { api, query: { countryCode: country, areaCode: prefix, features, limit } };
}

/** "GET /path?…" as sent (commas unescaped), with a long page token shortened. */
function describe(target) {
  const shown = new URL(target);
  const token = shown.searchParams.get('pageToken');
  if (token && token.length > 16) shown.searchParams.set('pageToken', `${token.slice(0, 12)}…`);
  return `GET ${shown.pathname}${shown.search.replaceAll('%2C', ',').replaceAll('%E2%80%A6', '…')}`;
}

async function load() {
  const { api, query } = state.search;
  const bird = api === 'bird';
  const target = url(bird ? BIRD_PATH : PINGRAM_PATH, {
    ...query,
    pageToken: bird ? state.tokens[state.page] : undefined,
  });
  state.request = describe(target);
  $('#stock-request').textContent = state.request;
  const table = $('#stock-table');
  const tbody = table.tBodies[0];
  let data;
  table.setAttribute('aria-busy', 'true');
  try {
    data = await provider(target.pathname, Object.fromEntries(target.searchParams));
  } catch (error) {
    fillRows(tbody, [], { columns: COLUMNS, empty: 'The search failed (see the error).' });
    state.next = null;
    updatePager();
    throw error;
  } finally {
    table.removeAttribute('aria-busy');
  }
  const rows = bird
    ? data.results.map((item) => birdRow(item))
    : data.numbers.map((item) => pingramRow(item, query.countryCode));
  state.next = bird ? (data.nextPageToken ?? null) : null;
  fillRows(tbody, rows, { columns: COLUMNS, empty: 'No number in stock matches.' });
  updatePager();
}

/** aria-disabled rather than disabled: a button that keyboard focus is on keeps it. */
const enable = (button, enabled) => button.setAttribute('aria-disabled', String(!enabled));
const enabled = (button) => button.getAttribute('aria-disabled') !== 'true';

function updatePager() {
  const bird = state.search?.api === 'bird';
  enable($('#stock-first'), bird && state.page > 0);
  enable($('#stock-previous'), bird && state.page > 0);
  enable($('#stock-next'), bird && Boolean(state.next));
  $('#stock-page').textContent = bird
    ? `Page ${state.page + 1}${state.next ? '' : ' (last)'}`
    : "Pingram's search has no pages: up to 50 numbers.";
}

function actions(numberString, countryCode, views) {
  const id = `views-${numberString.replace(/\D/g, '')}`;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'small',
      'aria-expanded': 'false',
      'aria-controls': id,
      'data-focus': `json:${numberString}`,
      'aria-label': `JSON views of ${numberString}`,
      onclick: (event) => toggleViews(event.currentTarget, id, numberString, countryCode, views),
    },
    'JSON',
  );
  const buy = h(
    'button',
    {
      type: 'button',
      class: 'small primary',
      'data-focus': `buy:${numberString}`,
      'aria-label': `Buy ${numberString}`,
      onclick: () => openBuyDialog(numberString, refresh),
    },
    'Buy',
  );
  return h('td', { class: 'actions' }, buy, ' ', toggle);
}

function birdRow(item) {
  return h(
    'tr',
    { 'data-number': item.numberString },
    h(
      'td',
      {},
      h('span', { class: 'number' }, item.numberString),
      item.backOrderRequired ? h('span', { class: 'badge' }, 'back order') : null,
    ),
    h('td', {}, item.countryCode),
    h('td', {}, item.type),
    h('td', {}, formatCapabilities(item.capabilities)),
    h('td', { class: 'numeric' }, formatMinorUnits(item.monthlyPrice)),
    actions(item.numberString, item.countryCode, { bird: item }),
  );
}

function pingramRow(item, countryCode) {
  const place = [item.locality, item.administrativeArea].filter(Boolean).join(', ');
  return h(
    'tr',
    { 'data-number': item.phoneNumber },
    h(
      'td',
      {},
      h('span', { class: 'number' }, item.phoneNumber),
      place ? h('span', { class: 'muted place' }, place) : null,
    ),
    h('td', {}, countryCode),
    h('td', {}, item.phoneNumberType),
    h('td', {}, item.features.join(', ')),
    h('td', { class: 'numeric' }, `${item.monthlyPrice.toFixed(2)} USD`),
    actions(item.phoneNumber, countryCode, { pingram: item }),
  );
}

function toggleViews(button, id, numberString, countryCode, known) {
  const row = button.closest('tr');
  const open = button.getAttribute('aria-expanded') === 'true';
  button.setAttribute('aria-expanded', String(!open));
  if (open) {
    document.getElementById(id)?.remove();
    return;
  }
  const birdView = h('div', { class: 'view' });
  const pingramView = h('div', { class: 'view' });
  row.after(
    h(
      'tr',
      { id, class: 'views-row' },
      h('td', { colspan: COLUMNS }, h('div', { class: 'views' }, birdView, pingramView)),
    ),
  );
  showView(birdView, "Bird's stock item", known.bird, () => findBird(numberString, countryCode));
  showView(pingramView, "Pingram's available number", known.pingram, () =>
    findPingram(numberString, countryCode),
  );
}

async function showView(container, title, known, find) {
  container.replaceChildren(h('h3', {}, title), h('p', { class: 'muted' }, 'Asking the API…'));
  let found = known ? { item: known, request: state.request } : null;
  if (!found) {
    try {
      found = await find();
    } catch (error) {
      container.lastChild.remove();
      const slot = h('div');
      container.append(slot);
      showError(error, slot);
      return;
    }
  }
  container.replaceChildren(
    h('h3', {}, title),
    h('p', { class: 'request-line' }, h('code', {}, found.request)),
    found.item
      ? h('pre', { tabindex: '0' }, pretty(found.item))
      : h('p', { class: 'muted' }, 'This API does not list the number (no longer in stock?).'),
  );
}

/** Bird's stock item of a number: its full international form as the prefix. */
async function findBird(numberString, countryCode) {
  const target = url(BIRD_PATH, { countryCodes: countryCode, prefix: numberString, limit: 10 });
  const data = await provider(target.pathname, Object.fromEntries(target.searchParams));
  const item = data.results.find((result) => result.numberString === numberString) ?? null;
  return { item, request: describe(target) };
}

/**
 * Pingram's view of a number: its national number as the area code. The country calling code
 * is 1 to 3 digits; a guess too short leaves more digits than any national number has, so
 * the first exact match is the number.
 */
async function findPingram(numberString, countryCode) {
  const digits = numberString.slice(1);
  let target = null;
  for (let callingCode = 1; callingCode <= 3; callingCode += 1) {
    target = url(PINGRAM_PATH, { countryCode, areaCode: digits.slice(callingCode), limit: 50 });
    const data = await provider(target.pathname, Object.fromEntries(target.searchParams));
    const item = data.numbers.find((result) => result.phoneNumber === numberString);
    if (item) return { item, request: describe(target) };
  }
  return { item: null, request: target ? describe(target) : null };
}

async function loadCounts() {
  const data = await control('GET', '/stock/counts');
  const byCountry = new Map();
  for (const { countryCode, type, inStock } of data.counts) {
    if (!byCountry.has(countryCode)) byCountry.set(countryCode, {});
    byCountry.get(countryCode)[type] = inStock;
  }
  $('#counts-summary').textContent =
    `In stock: ${data.total.toLocaleString('en')} numbers in ${byCountry.size} countries`;
  $('#counts-table thead').replaceChildren(
    h(
      'tr',
      {},
      h('th', { scope: 'col' }, 'Country'),
      TYPES.map((type) => h('th', { scope: 'col', class: 'numeric' }, type)),
      h('th', { scope: 'col', class: 'numeric' }, 'Total'),
    ),
  );
  const rows = [...byCountry].map(([countryCode, counts]) =>
    h(
      'tr',
      {},
      h(
        'th',
        { scope: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-label': `Search ${countryCode}`,
            onclick: () => {
              form().elements.country.value = countryCode;
              form().elements.prefix.value = '';
              search();
            },
          },
          countryCode,
        ),
      ),
      TYPES.map((type) => h('td', { class: 'numeric' }, (counts[type] ?? 0).toLocaleString('en'))),
      h(
        'td',
        { class: 'numeric' },
        Object.values(counts)
          .reduce((sum, count) => sum + count, 0)
          .toLocaleString('en'),
      ),
    ),
  );
  fillRows($('#counts-table tbody'), rows, {
    columns: TYPES.length + 2,
    empty: 'Nothing in stock.',
  });
  $('#stock-countries').replaceChildren(
    ...[...byCountry.keys()].map((code) => h('option', { value: code })),
  );
}

function switchApi() {
  const api = form().elements.api.value;
  for (const fieldset of $$('fieldset[data-api]', form())) {
    fieldset.hidden = fieldset.dataset.api !== api;
    fieldset.disabled = fieldset.dataset.api !== api;
  }
  const limit = form().elements.limit;
  limit.max = api === 'bird' ? '99' : '50';
  if (Number(limit.value) > Number(limit.max)) limit.value = limit.max;
  const country = form().elements.country;
  $('#stock-country-label').textContent = api === 'bird' ? 'Countries' : 'Country';
  country.placeholder = api === 'bird' ? 'US or US,GB' : 'US';
  if (api === 'pingram') {
    country.value = country.value.split(',')[0].trim();
    if (!country.value) country.value = 'US';
  }
  search();
}

/** A new search from the form, from its first page. */
function search(button) {
  state.search = readSearch();
  state.tokens = [undefined];
  state.page = 0;
  return act(button, load);
}

/** The current page again, and the counts (after a purchase, a reset, another panel). */
function refresh() {
  if (!state.search) state.search = readSearch();
  return Promise.all([act(null, load), act(null, loadCounts)]);
}

export function init() {
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    search(event.submitter);
  });
  for (const radio of form().elements.api) radio.addEventListener('change', switchApi);
  $('#stock-next').addEventListener('click', (event) => {
    if (!enabled(event.currentTarget)) return;
    state.tokens[state.page + 1] = state.next;
    state.page += 1;
    act(event.currentTarget, load);
  });
  $('#stock-previous').addEventListener('click', (event) => {
    if (!enabled(event.currentTarget)) return;
    state.page -= 1;
    act(event.currentTarget, load);
  });
  $('#stock-first').addEventListener('click', (event) => {
    if (!enabled(event.currentTarget)) return;
    state.page = 0;
    act(event.currentTarget, load);
  });
}

export const show = refresh;
