// The console's entry point: the admin key prompt, the tab list, and the panels.

import { OPERATIONS, adminKey, control, forgetAdminKey, rememberAdminKey } from './api.js';
import * as owners from './owners.js';
import * as requests from './requests.js';
import * as script from './script.js';
import * as stock from './stock.js';
import * as tokens from './tokens.js';
import { $, $$, act, clearError, h } from './ui.js';

const PANELS = { stock, owners, script, requests, tokens };
let current = null;

function selectTab(name, { focus = false } = {}) {
  for (const tab of $$('[role="tab"]')) {
    const selected = tab.id === `tab-${name}`;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    document.getElementById(tab.getAttribute('aria-controls')).hidden = !selected;
    if (selected && focus) tab.focus();
  }
  if (current === name) return;
  clearError(); // an error belongs to the panel it happened on
  PANELS[current]?.hide?.();
  current = name;
  history.replaceState(null, '', `#${name}`);
  PANELS[name].show();
}

function onTabKey(event) {
  const tabs = $$('[role="tab"]');
  const index = tabs.indexOf(document.activeElement);
  if (index < 0) return;
  const next = {
    ArrowRight: (index + 1) % tabs.length,
    ArrowLeft: (index - 1 + tabs.length) % tabs.length,
    Home: 0,
    End: tabs.length - 1,
  }[event.key];
  if (next === undefined) return;
  event.preventDefault();
  selectTab(tabs[next].id.slice('tab-'.length), { focus: true });
}

function panelFromHash() {
  const name = window.location.hash.slice(1);
  return name in PANELS ? name : 'stock';
}

function showConsole({ focus = false } = {}) {
  $('#login').hidden = true;
  $('#console').hidden = false;
  $('#forget-key').hidden = false;
  current = null;
  selectTab(panelFromHash(), { focus });
}

function showLogin(error) {
  PANELS[current]?.hide?.();
  current = null;
  $('#console').hidden = true;
  $('#forget-key').hidden = true;
  $('#login').hidden = false;
  clearError();
  const form = $('#login-form');
  form.reset();
  if (error) act(null, () => Promise.reject(error), $('#login-error'));
  form.elements.adminKey.focus();
}

/** Keeps the key only once the control API accepted it. */
async function signIn(key) {
  rememberAdminKey(key);
  try {
    await control('GET', '/clock');
  } catch (error) {
    forgetAdminKey();
    throw error;
  }
}

function fillOperationSelects() {
  for (const select of $$('select[data-operations]')) {
    const options = select.dataset.any ? [h('option', { value: '' }, select.dataset.any)] : [];
    for (const [operation, label] of Object.entries(OPERATIONS)) {
      options.push(h('option', { value: operation }, `${operation} (${label})`));
    }
    if (!select.dataset.any) options.push(h('option', { value: '*' }, '* (every operation)'));
    select.replaceChildren(...options);
  }
}

async function start() {
  fillOperationSelects();
  for (const panel of Object.values(PANELS)) panel.init();
  $('[role="tablist"]').addEventListener('keydown', onTabKey);
  for (const tab of $$('[role="tab"]')) {
    tab.addEventListener('click', () => selectTab(tab.id.slice('tab-'.length)));
  }
  $('#login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = event.currentTarget.elements.adminKey.value.trim();
    const accepted = await act(
      event.submitter,
      async () => {
        await signIn(key);
        return true;
      },
      $('#login-error'),
    );
    if (accepted) showConsole({ focus: true });
  });
  $('#forget-key').addEventListener('click', () => {
    forgetAdminKey();
    showLogin();
  });
  if (!adminKey()) {
    showLogin();
    return;
  }
  try {
    await signIn(adminKey());
    showConsole();
  } catch (error) {
    showLogin(error);
  }
}

start();
