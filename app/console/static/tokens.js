// Tokens: mint a bearer token or a Bird access key, with ready curl and SDK snippets that
// use this page's own origin as the base URL.

import { ORIGIN, control } from './api.js';
import { $, act, announce, copyButton, formValues, h } from './ui.js';

/** A shell word: single-quoted. */
const shell = (text) => `'${text.replaceAll("'", "'\\''")}'`;
const path = (text) => encodeURIComponent(text);

function snippet(title, text, id) {
  const code = h('pre', { id, tabindex: '0' }, h('code', {}, text));
  return h(
    'div',
    { class: 'snippet' },
    h('div', { class: 'snippet-head' }, h('h3', {}, title), copyButton(code, title.toLowerCase())),
    code,
  );
}

function showToken(token, organizationId) {
  const bearer = shell(`Authorization: Bearer ${token}`);
  const client = `Pingram(api_key=${JSON.stringify(token)}, base_url=${JSON.stringify(ORIGIN)})`;
  const python = [
    'import asyncio',
    '',
    'from pingram import Pingram',
    '',
    '',
    'async def main():',
    `    async with ${client} as client:`,
    '        found = await client.numbers.numbers_search_available(country_code="US", limit=5)',
    '        print(found.numbers)',
    '',
    '',
    'asyncio.run(main())',
  ].join('\n');
  const stockItems = `${ORIGIN}/organizations/${path(organizationId)}/numbers-stock-items`;
  $('#token-output').replaceChildren(
    snippet('Token', token, 'token-value'),
    snippet(
      "curl: Pingram's search",
      `curl -s -H ${bearer} \\\n  ${shell(`${ORIGIN}/numbers/available?countryCode=US&limit=5`)}`,
    ),
    snippet(
      "curl: Bird's stock items",
      `curl -s -H ${bearer} \\\n  ${shell(`${stockItems}?countryCodes=US&limit=5`)}`,
    ),
    snippet("Pingram's Python SDK (pip install pingram-python)", python),
  );
}

function showAccessKey(accessKey, organizationId, workspaces) {
  const header = shell(`Authorization: AccessKey ${accessKey}`);
  const stockItems = `${ORIGIN}/organizations/${path(organizationId)}/numbers-stock-items`;
  const workspace = `${ORIGIN}/workspaces/${path(workspaces[0] ?? 'ws-1')}`;
  $('#key-output').replaceChildren(
    snippet('Access key', accessKey, 'key-value'),
    snippet(
      "curl: Bird's stock items",
      `curl -s -H ${header} \\\n  ${shell(`${stockItems}?countryCodes=US&limit=5`)}`,
    ),
    snippet(
      'curl: buy a stock item into a workspace',
      `curl -s -H ${header} \\\n  ${shell(`${workspace}/numbers-long-code`)} \\\n` +
        `  -d '{"numberStockItemIds": ["<id of a stock item>"]}'`,
    ),
    snippet(
      "curl: the workspace's numbers",
      `curl -s -H ${header} \\\n  ${shell(`${workspace}/numbers`)}`,
    ),
  );
}

export function init() {
  $('#token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const body = formValues(event.currentTarget);
    if (body.ttlSeconds) body.ttlSeconds = Number.parseInt(body.ttlSeconds, 10);
    act(event.submitter, async () => {
      const { token } = await control('POST', '/tokens', { body });
      showToken(token, body.organizationId);
      announce(`Token minted for ${body.organizationId}.`);
    });
  });
  $('#key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formValues(event.currentTarget);
    const workspaces = (values.workspaces ?? '')
      .split(',')
      .map((workspace) => workspace.trim())
      .filter(Boolean);
    const body = { organizationId: values.organizationId };
    if (workspaces.length) body.workspaces = workspaces;
    act(event.submitter, async () => {
      const { accessKey } = await control('POST', '/access-keys', { body });
      showAccessKey(accessKey, body.organizationId, workspaces);
      announce(`Access key minted for ${body.organizationId}.`);
    });
  });
}

export function show() {}
