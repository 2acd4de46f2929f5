// The bridge's API v1 over fetch: bearer token from localStorage, JSON in and out, and the
// API's {"error":{"code","message","details"}} turned into an ApiError.

const TOKEN_KEY = 'touchpoint.token';
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? null;
  }
}

export function token() { return localStorage.getItem(TOKEN_KEY); }
export function setToken(value) { localStorage.setItem(TOKEN_KEY, value); }
export function clearToken() { localStorage.removeItem(TOKEN_KEY); }

// Called when any request answers 401: the page goes back to sign-in.
export function handleUnauthorized(fn) { onUnauthorized = fn; }

// The API lives at the server's root whichever page path (/ or /app/...) loaded us.
function url(path, query) {
  const target = new URL(`/${path.replace(/^\//, '')}`, window.location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') target.searchParams.set(key, value);
  }
  return target;
}

export async function request(method, path, { query, json, text, contentType, auth = token() } = {}) {
  const headers = { Accept: 'application/json' };
  if (auth) headers.Authorization = `Bearer ${auth}`;
  let body;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (text !== undefined) {
    headers['Content-Type'] = contentType ?? 'text/plain; charset=utf-8';
    body = text;
  }
  let response;
  try {
    response = await fetch(url(path, query), { method, headers, body });
  } catch (err) {
    throw new ApiError(0, 'network', err.message);
  }
  const payload = await readBody(response);
  if (!response.ok) {
    const error = payload?.error ?? {};
    const failure = new ApiError(response.status, error.code ?? `http_${response.status}`,
                                 error.message ?? response.statusText, error.details);
    if (response.status === 401) onUnauthorized(failure);
    throw failure;
  }
  return payload;
}

async function readBody(response) {
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try { return await response.json(); } catch { return null; }
  }
  const raw = await response.text();
  try { return JSON.parse(raw); } catch { return raw ? { text: raw } : null; }
}

export const api = {
  me: (auth) => request('GET', 'api/v1/me', { auth }),
  tasks: (query) => request('GET', 'api/v1/tasks', { query }),
  task: (id) => request('GET', `api/v1/tasks/${encodeURIComponent(id)}`),
  taskAction: (id, action, body) =>
    request('POST', `api/v1/tasks/${encodeURIComponent(id)}/${action}`, { json: body }),
  compose: (id, client) =>
    request('GET', `api/v1/tasks/${encodeURIComponent(id)}/compose`, { query: { client } }),
  timeline: (prospectId) =>
    request('GET', `api/v1/prospects/${encodeURIComponent(prospectId)}/timeline`),
  sequences: () => request('GET', 'api/v1/sequences'),
  sequence: (id) => request('GET', `api/v1/sequences/${encodeURIComponent(id)}`),
  enrollCsv: (query, csv) =>
    request('POST', 'api/v1/enrollments/csv', { query, text: csv, contentType: 'text/csv; charset=utf-8' }),
};

// The live feed's URL: EventSource cannot send headers, so the token rides in the query.
export function feedUrl() {
  return url('api/v1/feed', { access_token: token() }).toString();
}
