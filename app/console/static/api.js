// Every request the console makes: the control API (/_mock, with the admin key) and the
// providers' APIs (with a bearer token the console mints for its own organization).
// The admin key lives in this tab's sessionStorage only: never in a URL, never logged.

const KEY_ITEM = 'numbers-mock.console.adminKey';
/** The organization (and Pingram account) the console searches as. */
export const CONSOLE_ORG = 'console';
export const ORIGIN = window.location.origin;

export const OPERATIONS = {
  listStockItems: 'Bird: search stock items',
  createLongCodeNumbers: 'Bird: buy long code numbers',
  listWorkspaceNumbers: "Bird: list a workspace's numbers",
  getLongCodeNumber: 'Bird: read a long code number',
  searchAvailableNumbers: 'Pingram: search available numbers',
  numbersOrderNumber: 'Pingram: order a number',
  numbersList: 'Pingram: list numbers',
  numbersReleaseNumber: 'Pingram: release a number',
  numbersListReleased: 'Pingram: list released numbers',
};

/** The server's error envelope {trackingId, error: {code, message, fix, ...}}. */
export class ApiError extends Error {
  constructor(status, detail, trackingId) {
    super(detail.message);
    this.name = 'ApiError';
    this.status = status;
    this.code = detail.code;
    this.fix = detail.fix ?? null;
    this.trackingId = trackingId ?? null;
  }
}

export const adminKey = () => sessionStorage.getItem(KEY_ITEM);
export const rememberAdminKey = (key) => sessionStorage.setItem(KEY_ITEM, key);
export function forgetAdminKey() {
  sessionStorage.removeItem(KEY_ITEM);
  consoleToken = null;
}

/** `path` on this server with the non-empty `query` values, as a URL. */
export function url(path, query = {}) {
  const target = new URL(path, ORIGIN);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') target.searchParams.set(name, value);
  }
  return target;
}

async function send(method, target, authorization, body, contentType = 'application/json') {
  const headers = { Accept: 'application/json', Authorization: authorization };
  if (body !== undefined) headers['Content-Type'] = contentType;
  let response;
  try {
    response = await fetch(target, { method, headers, body, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, {
      code: 'server_unreachable',
      message: `numbers-mock did not answer ${method} ${target.pathname} (${error.message}).`,
      fix: 'Is the server still running? Start it with `numbers-mock serve`, then reload.',
    });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const detail = data?.error ?? {
      code: 'unexpected_response',
      message: `${method} ${target.pathname} answered ${response.status} ${response.statusText}.`,
    };
    throw new ApiError(response.status, detail, data?.trackingId);
  }
  return data;
}

/** The control API: control('POST', '/faults', {body: {...}}) → parsed JSON (or null). */
export function control(method, path, { query, body } = {}) {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return send(method, url(`/_mock${path}`, query), `Bearer ${adminKey()}`, payload);
}

/** A scenario file as written (YAML, or JSON, which is YAML too) → the scenario's result. */
export function applyScenarioFile(text) {
  return send(
    'POST',
    url('/_mock/scenario-file'),
    `Bearer ${adminKey()}`,
    text,
    'application/yaml',
  );
}

let consoleToken = null;

async function bearerToken(renew) {
  if (renew || !consoleToken || Date.now() > consoleToken.renewAt) {
    const ttlSeconds = 3600;
    const { token } = await control('POST', '/tokens', {
      body: { organizationId: CONSOLE_ORG, sub: 'numbers-mock-console', ttlSeconds },
    });
    consoleToken = { token, renewAt: Date.now() + (ttlSeconds - 300) * 1000 };
  }
  return consoleToken.token;
}

/** A GET of a provider API as the console's organization (a 401 renews the token once). */
export async function provider(path, query) {
  const target = url(path, query);
  try {
    return await send('GET', target, `Bearer ${await bearerToken(false)}`);
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    return send('GET', target, `Bearer ${await bearerToken(true)}`);
  }
}

export const numberPath = (numberString) => encodeURIComponent(numberString);
