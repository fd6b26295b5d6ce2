// DOM helpers, formatting, and the page's two message regions (status and errors).
// Text from the server is only ever set as text, never parsed as HTML.

import { ApiError } from './api.js';

/** An element: h('td', {class: 'num'}, 'text', otherNode). `on…` props add listeners. */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/**
 * Replaces a tbody's rows, keeping keyboard focus on the control with the same data-focus
 * key (live tables re-render while someone tabs through them).
 */
export function fillRows(tbody, rows, { columns, empty }) {
  const focused = tbody.contains(document.activeElement)
    ? document.activeElement.getAttribute('data-focus')
    : null;
  tbody.replaceChildren(
    ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: columns, class: 'empty' }, empty))]),
  );
  if (focused) tbody.querySelector(`[data-focus="${CSS.escape(focused)}"]`)?.focus();
}

/** A form's non-empty text fields, trimmed, by name. */
export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (text !== '') values[name] = text;
  }
  return values;
}

/** The values of a form's checked checkboxes named `name`. */
export const checked = (form, name) =>
  $$(`input[name="${name}"]:checked`, form).map((input) => input.value);

/** "2026-11-30T16:02:11.532Z" as "2026-11-30 16:02:11 UTC". */
export function formatInstant(iso) {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

export function formatJson(text) {
  if (text === null || text === undefined || text === '') return '(empty)';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export const pretty = (value) => JSON.stringify(value, null, 2);

/** Bird's {currencyCode, amount, exponent}, e.g. "1.15 USD" (Bird writes millionths:
 * 1150000 and -6; zeros past the cents are left out). */
export function formatMinorUnits(price) {
  const digits = Math.max(0, -price.exponent);
  const text = (price.amount * 10 ** price.exponent).toFixed(digits);
  const shown = digits > 2 ? text.replace(/(\.\d\d\d*?)0+$/, '$1') : text;
  return `${shown} ${price.currencyCode}`;
}

/** Bird's capabilities as "voice, sms, mms (in)". */
export function formatCapabilities(capabilities) {
  return Object.entries(capabilities)
    .filter(([, direction]) => direction.inbound || direction.outbound)
    .map(([channel, direction]) => {
      if (direction.inbound && direction.outbound) return channel;
      return `${channel} (${direction.inbound ? 'in' : 'out'})`;
    })
    .join(', ');
}

let statusTimer = 0;

/** A short confirmation in the polite live region; it fades after a few seconds. */
export function announce(text) {
  const status = $('#status');
  clearTimeout(statusTimer);
  status.textContent = text;
  statusTimer = setTimeout(() => {
    status.textContent = '';
  }, 6000);
}

/** An error in the alert region: the server's message and fix, and its tracking id. */
export function showError(error, target = $('#error')) {
  const lines =
    error instanceof ApiError
      ? [
          h('strong', { title: error.message }, error.message),
          error.fix ? h('span', {}, `Fix: ${error.fix}`) : null,
          h(
            'small',
            {},
            [error.status ? `HTTP ${error.status}` : null, error.code, error.trackingId]
              .filter(Boolean)
              .join(' · '),
          ),
        ]
      : [h('strong', {}, String(error?.message ?? error))];
  const dismiss =
    target.id === 'error'
      ? h('button', { type: 'button', class: 'link', onclick: () => clearError(target) }, 'Dismiss')
      : null;
  target.replaceChildren(h('div', { class: 'error-box' }, ...lines, dismiss));
  if (!(error instanceof ApiError)) console.error(error);
}

export function clearError(target = $('#error')) {
  target.replaceChildren();
}

/**
 * Runs an action of a button or form: shows a failure in the alert region (or in
 * `errorTarget`); returns the action's result, or undefined when it failed. A person's action
 * (one with a `control`) clears the previous error first and ignores repeated clicks while it
 * runs; the control is not disabled, so keyboard focus stays on it.
 */
export async function act(control, action, errorTarget) {
  if (control) {
    if (control.getAttribute('aria-busy') === 'true') return undefined;
    control.setAttribute('aria-busy', 'true');
    clearError(errorTarget);
  }
  try {
    return await action();
  } catch (error) {
    showError(error, errorTarget);
    return undefined;
  } finally {
    control?.removeAttribute('aria-busy');
  }
}

/** A copy button for the text of `source` (falls back to selecting it). */
export function copyButton(source, label) {
  return h(
    'button',
    {
      type: 'button',
      class: 'small',
      'aria-label': `Copy ${label}`,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(source.textContent);
          announce(`Copied ${label}.`);
        } catch {
          getSelection().selectAllChildren(source);
          announce(`Selected ${label}: press Ctrl+C (⌘C) to copy it.`);
        }
      },
    },
    'Copy',
  );
}
