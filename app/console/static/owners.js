// Owners: the numbers out of stock and who has them; buy (also from the Stock panel) and
// release through the control API.

import { control, numberPath } from './api.js';
import { $, act, announce, clearError, fillRows, formValues, formatInstant, h } from './ui.js';

const COLUMNS = 8;
let afterPurchase = null;

const PROVIDERS = { bird: 'Bird', pingram: 'Pingram' };

function describeOwner(number) {
  const { owner } = number;
  if (!owner) return `${number.purchasedBy ?? 'someone'} (sold elsewhere)`;
  const where = owner.workspaceId ? `, workspace ${owner.workspaceId}` : '';
  return `${owner.organizationId}${where} (${PROVIDERS[owner.provider]})`;
}

function syncWorkspace() {
  const bird = $('#buy-provider').value === 'bird';
  $('#buy-workspace-field').hidden = !bird;
  $('#buy-workspace').disabled = !bird;
}

/** Opens the buy dialog for `numberString` (or for a number to type); `done` runs after. */
export function openBuyDialog(numberString, done) {
  const form = $('#buy-form');
  form.elements.numberString.value = numberString ?? '';
  form.elements.numberString.readOnly = Boolean(numberString);
  afterPurchase = done;
  clearError($('#buy-error'));
  syncWorkspace();
  $('#buy-dialog').showModal();
  (numberString ? form.elements.organizationId : form.elements.numberString).focus();
}

async function buy(event) {
  event.preventDefault();
  const values = formValues(event.currentTarget);
  const numberString = (values.numberString ?? '').replace(/[\s().-]/g, '');
  const body = { organizationId: values.organizationId };
  if (values.provider) body.provider = values.provider;
  if (values.provider === 'bird' && values.workspaceId) body.workspaceId = values.workspaceId;
  const bought = await act(
    event.submitter,
    () => control('POST', `/numbers/${numberPath(numberString)}/purchase`, { body }),
    $('#buy-error'),
  );
  if (!bought) return;
  $('#buy-dialog').close();
  announce(`Bought ${bought.numberString} for ${describeOwner(bought)}.`);
  await afterPurchase?.();
}

function ownerKey(number) {
  const { owner } = number;
  return [
    owner?.provider ?? '~', // sold elsewhere: last
    owner?.organizationId ?? number.purchasedBy ?? '',
    owner?.workspaceId ?? '',
  ];
}

function compare(left, right) {
  const [a, b] = [ownerKey(left), ownerKey(right)];
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return left.numberString < right.numberString ? -1 : 1;
}

function status(number) {
  if (number.owner?.releasedAt) return 'released, on hold';
  if (number.owner?.deprovisionAt) return 'subscription cancelled';
  return number.status === 'sold' ? 'owned' : number.status;
}

function row(number) {
  const { owner } = number;
  const who = owner
    ? [owner.organizationId, ' ', h('span', { class: 'badge' }, PROVIDERS[owner.provider])]
    : [number.purchasedBy ?? '—', ' ', h('span', { class: 'badge muted' }, 'elsewhere')];
  const release = h(
    'button',
    {
      type: 'button',
      class: 'small',
      'data-focus': `release:${number.numberString}`,
      'aria-label': `Release ${number.numberString}`,
      onclick: (event) =>
        act(event.currentTarget, async () => {
          await control('POST', `/numbers/${numberPath(number.numberString)}/release`);
          announce(`Released ${number.numberString}: back in stock.`);
          await load();
        }),
    },
    'Release',
  );
  return h(
    'tr',
    { 'data-number': number.numberString },
    h('td', {}, ...who),
    h('td', {}, owner?.workspaceId ?? '—'),
    h('td', {}, h('span', { class: 'number' }, number.numberString), ` ${number.countryCode}`),
    h('td', {}, number.type),
    h('td', {}, status(number)),
    h('td', {}, formatInstant(owner?.createdAt)),
    h('td', {}, formatInstant(owner?.holdEndsAt ?? owner?.deprovisionAt)),
    h('td', { class: 'actions' }, release),
  );
}

async function load() {
  const query = { ...formValues($('#owners-form')), limit: 1000 };
  const { numbers } = await control('GET', '/numbers', { query });
  numbers.sort(compare);
  const owners = new Set(numbers.map((number) => ownerKey(number).join('\u0000')));
  $('#owners-summary').textContent = numbers.length
    ? `${numbers.length} number${numbers.length === 1 ? '' : 's'} out of stock, ` +
      `${owners.size} owner${owners.size === 1 ? '' : 's'}.`
    : '';
  fillRows($('#owners-table tbody'), numbers.map(row), {
    columns: COLUMNS,
    empty: 'No number bought yet: buy one from the Stock panel, or with "Buy a number…".',
  });
}

export function init() {
  $('#owners-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act(event.submitter, load);
  });
  $('#owners-buy').addEventListener('click', () => openBuyDialog(null, load));
  $('#buy-form').addEventListener('submit', buy);
  $('#buy-provider').addEventListener('change', syncWorkspace);
  $('#buy-cancel').addEventListener('click', () => $('#buy-dialog').close());
}

export const show = () => act(null, load);
