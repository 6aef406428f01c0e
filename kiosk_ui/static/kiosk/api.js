// Kiosk protocol v1 over fetch: Bearer token, JSON, an 8 s timeout, the one error shape, and
// every server_time handed to the clock.

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

  /** Worth trying again later: nothing reached the server, it asked us to slow down, or the
   * proctor paused the test (the save is accepted once it resumes). */
  get retryable() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500 || this.paused;
  }

  get paused() {
    return this.status === 409 && this.code === 'attempt_paused';
  }
}

export class KioskApi {
  constructor(options) {
    this._base = (options.base || '/api/kiosk/v1').replace(/\/+$/, '');
    this._clock = options.clock;
    this._timeoutMs = options.timeoutMs || 8000;
    this._token = null;
    this._onUnauthorized = null;
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
    const headers = { Accept: 'application/json' };
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
      const wait = parseInt(res.headers.get('Retry-After') || '', 10);
      err.retryAfter = isFinite(wait) && wait > 0 ? wait : null; // seconds the server asks for
      // Only a token we still hold can be revoked; a stale in-flight 401 after a new login is not.
      if (res.status === 401 && auth && token && token === this._token && this._onUnauthorized) {
        this._onUnauthorized(err);
      }
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
      headers: { Accept: 'text/event-stream', Authorization: 'Bearer ' + this._token },
      signal: signal,
      cache: 'no-store',
      credentials: 'same-origin',
    });
  }
}
