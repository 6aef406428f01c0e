// Kiosk protocol v1 over fetch: Bearer token, JSON, an 8 s timeout, the one error shape, and
// every server_time handed to the clock.

// What a lockdown browser shows of itself, sent on every call (issue 22). The page's URL as it
// was loaded: SEB's JavaScript API hashed its keys with it. The secret of an Exam Browser app's
// start URL (?exam_key=) is kept for the tab's life, since later pages do not carry it.
const PAGE_URL = String(window.location.href).split('#')[0];
const EXAM_KEY = 'cact.kiosk.exam_key';

function examKey() {
  let key = null;
  try {
    key = new URLSearchParams(window.location.search).get('exam_key');
    if (key) window.sessionStorage.setItem(EXAM_KEY, key);
    else key = window.sessionStorage.getItem(EXAM_KEY);
  } catch (e) {
    key = null;
  }
  return key;
}

function sebSecurity() {
  const seb = window.SafeExamBrowser;
  return seb && seb.security ? seb.security : null;
}

// SEB 3.0 for macOS/iOS fills the keys only after updateKeys(); later builds have them at load.
(function askSebForKeys() {
  const security = sebSecurity();
  if (security && typeof security.updateKeys === 'function') {
    try {
      security.updateKeys(function () {});
    } catch (e) {
      /* the keys stay unset: the server says which browser to use */
    }
  }
})();

export function browserHeaders() {
  const headers = {};
  const key = examKey();
  if (key) headers['X-CACT-Exam-Key'] = key;
  const security = sebSecurity();
  if (security && (typeof security.configKey === 'string' || typeof security.browserExamKey === 'string')) {
    headers['X-CACT-SEB-Page-URL'] = PAGE_URL;
    if (typeof security.configKey === 'string') headers['X-CACT-SEB-ConfigKeyHash'] = security.configKey;
    if (typeof security.browserExamKey === 'string') headers['X-CACT-SEB-RequestHash'] = security.browserExamKey;
  }
  return headers;
}

export class ApiError extends Error {
  constructor(status, code, detail, data) {
    super(code + (typeof detail === 'string' && detail ? ': ' + detail : ''));
    this.status = status; // 0 = no answer (network down, timeout, unreadable body)
    this.code = code;
    this.detail = detail;
    this.data = data || null;
  }

  get network() {
    return this.status === 0;
  }

  /** Worth trying again later: nothing reached the server, it asked us to slow down, the
   * proctor paused the test (the save is accepted once it resumes), or the browser was refused
   * (the save is kept until the right browser, or a changed policy, lets it through). */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500 || this.paused || this.browserRefused;
  }

  get paused() {
    return this.status === 409 && this.code === 'attempt_paused';
  }

  /** The sitting requires a lockdown browser and this is not it (issue 22). */
  get browserRefused() {
    return this.status === 403 && this.code === 'browser_not_allowed';
  }
}

export class KioskApi {
  constructor(options) {
    this._base = (options.base || '/api/kiosk/v1').replace(/\/+$/, '');
    this._clock = options.clock;
    this._timeoutMs = options.timeoutMs || 8000;
    this._token = null;
    this._onUnauthorized = null;
    this._onBrowserRefused = null;
  }

  onBrowserRefused(fn) {
    this._onBrowserRefused = fn;
  }

  setToken(token) {
    this._token = token || null;
  }

  onUnauthorized(fn) {
    this._onUnauthorized = fn;
  }

  /** Resolves to {status, data, at}: `at` is the monotonic instant the server stamped server_time. */
  async request(method, path, options) {
    const opts = options || {};
    const auth = opts.auth !== false;
    const token = this._token;
    const headers = Object.assign({ Accept: 'application/json' }, browserHeaders());
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (auth && token) headers.Authorization = 'Bearer ' + token;
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), opts.timeoutMs || this._timeoutMs);
    const sentAt = this._clock.now();
    let res;
    let text;
    try {
      res = await fetch(this._base + path, {
        method: method,
        headers: headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: ctl.signal,
        cache: 'no-store',
        credentials: 'same-origin',
      });
      text = await res.text();
    } catch (e) {
      throw new ApiError(0, ctl.signal.aborted ? 'timeout' : 'network', String((e && e.message) || e));
    } finally {
      clearTimeout(timer);
    }
    const receivedAt = this._clock.now();
    let data = null;
    try {
      data = text ? JSON.parse(text) : {};
    } catch (e) {
      data = null;
    }
    let at = (sentAt + receivedAt) / 2;
    if (data && typeof data.server_time === 'string') {
      at = this._clock.observe(data.server_time, sentAt, receivedAt);
    }
    if (res.ok && data === null) {
      // A proxy or captive page answered instead of CACT: treat as not reached.
      throw new ApiError(0, 'bad_response', 'HTTP ' + res.status + ' without JSON');
    }
    if (!res.ok) {
      const code = (data && typeof data.error === 'string' && data.error) || 'http_' + res.status;
      const err = new ApiError(res.status, code, data && data.detail, data);
      // Only a token we still hold can be revoked; a stale in-flight 401 after a new login is not.
      if (res.status === 401 && auth && token && token === this._token && this._onUnauthorized) {
        this._onUnauthorized(err);
      }
      if (err.browserRefused && auth && token && this._onBrowserRefused) this._onBrowserRefused(err);
      throw err;
    }
    return { status: res.status, data: data, at: at };
  }

  login(participantNo, token, secret) {
    const body = { participant_no: participantNo, token: token };
    if (secret) body.secret = secret;
    return this.request('POST', '/login', { body: body, auth: false });
  }

  attempt() {
    return this.request('GET', '/attempt');
  }

  start() {
    return this.request('POST', '/attempt/start');
  }

  section(sectionId) {
    return this.request('GET', '/sections/' + encodeURIComponent(sectionId));
  }

  putAnswer(itemId, body) {
    return this.request('PUT', '/answers/' + encodeURIComponent(itemId), { body: body });
  }

  heartbeat() {
    return this.request('POST', '/heartbeat');
  }

  submitSection(sectionId) {
    return this.request('POST', '/sections/' + encodeURIComponent(sectionId) + '/submit');
  }

  finish() {
    return this.request('POST', '/finish');
  }

  logout() {
    return this.request('POST', '/logout');
  }

  /** The push channel (GET /events, server-sent events): the open fetch response, to read. */
  openEvents(signal) {
    return fetch(this._base + '/events', {
      headers: Object.assign({ Accept: 'text/event-stream', Authorization: 'Bearer ' + this._token }, browserHeaders()),
      signal: signal,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  }
}
