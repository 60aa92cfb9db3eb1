// tidings.js: the browser client of Tidings. One dependency-free ES module, no build step.
//
//   import { connect } from "/tidings.js";
//   const t = connect({ identity: "alice" });            // or { token: "…" } / { token: async () => "…" }
//   const off = t.on("chat", "lobby", (msg, meta) => …);  // handler per (type, key); off() removes it
//   await t.listen("chat", "lobby");                     // settles when the server confirms on the stream
//   t.onState(s => …);                                   // "connecting" | "open" | "reconnecting" | "closed"
//   t.onMissed(() => refetch());                         // notifications may have been lost
//   await t.notify("chat", "lobby", { from: "alice", text: "hi" }, { notForMe: true });
//   await t.close();                                     // ends the client process on the server at once
//
// The stream is read with fetch() rather than EventSource, so that the library can send headers
// (Authorization, Last-Event-ID) and can see why a (re)connection was refused: a 404 for a client
// process that is gone means "open a new one", not "retry forever". See docs/browser.md.

const STATES = ["connecting", "open", "reconnecting", "closed"];

/** An error the server answered with ({"error","message"} and an HTTP status), or a local one. */
/** The HTTP status a refusal carried on the stream would have had as an answer. */
const REFUSAL_STATUS = { bad_request: 400, forbidden: 403, listen_refused: 403, unknown_type: 404, limit: 429 };

export class TidingsError extends Error {
  constructor(status, error, message) {
    super(message || error);
    this.name = "TidingsError";
    /** HTTP status, or 0 for a local error (closed, network). */
    this.status = status;
    /** Machine-readable code: the server's "error" field, or "closed" / "network". */
    this.error = error;
  }
}

/** Opens a connection to Tidings; the returned client connects at once and reconnects by itself. */
export function connect(options = {}) {
  return new Tidings(options);
}

function keyOf(type, key) {
  return type + "\u0000" + key;
}

function report(error) {
  if (typeof globalThis.reportError === "function") {
    globalThis.reportError(error);
  } else {
    setTimeout(() => { throw error; });
  }
}

function callAll(set, ...args) {
  for (const fn of [...set]) {
    try {
      fn(...args);
    } catch (e) {
      report(e);
    }
  }
}

function addTo(set, fn) {
  if (typeof fn !== "function") {
    throw new TypeError("handler must be a function");
  }
  set.add(fn);
  return () => { set.delete(fn); };
}

export class Tidings {
  constructor(options = {}) {
    const base = options.url ?? options.base ?? "";
    this._base = String(base).replace(/\/+$/, "");
    this._identity = options.identity ?? null;
    this._token = options.token ?? null;
    this._minDelay = options.minDelay ?? null;       // null: the server's retry: hint, else 1 s
    this._maxDelay = options.maxDelay ?? 30000;
    this._idleTimeout = options.idleTimeout ?? 45000; // the server sends a heartbeat every 15 s by default
    this._fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this._credentials = options.credentials ?? "same-origin"; // "include": send cookies cross-origin

    this._state = "connecting";
    this._clientId = null;
    this._lastEventId = null;
    this._serverRetry = null;
    this._attempt = 0;
    this._abort = null;
    this._timer = null;
    this._idleTimer = null;
    this._generation = 0;           // increases with every stream, to ignore late events of old ones
    this._readyWaiters = [];
    this._everOpen = false;         // a stream has been open: later attempts are "reconnecting"
    this._lostProcess = false;      // the process was found gone: the next ready is a new one
    this._missedPending = false;    // tell onMissed once the re-listens are confirmed

    /** type\0key → { type, key, want, confirmed, ops: [{ listening, resolve, reject, sent, internal }] } */
    this._listens = new Map();

    this._byType = new Map();       // type → Set(handler)
    this._byKey = new Map();        // type\0key → Set(handler)
    this._anyHandlers = new Set();
    this._stateHandlers = new Set();
    this._missedHandlers = new Set();
    this._listenHandlers = new Set();
    this._errorHandlers = new Set();

    this._onOnline = () => { if (this._timer !== null) { this._reconnectNow(); } };
    // Leaving the page ends the client process at once. A page kept in the back/forward cache
    // instead drops its stream (which would otherwise hold one of the browser's few connections
    // per server) and resumes its process, within the grace period, when it is shown again.
    this._onPageHide = (e) => {
      if (!e.persisted) {
        if (this._closeOnPageHide) this.close().catch(() => {}); // the page is going: nobody to tell
      } else if (this._state !== "closed") {
        this._generation++;
        this._stopStream();
        this._frozen = true;
      }
    };
    this._onPageShow = (e) => {
      if (e.persisted && this._frozen && this._state !== "closed") {
        this._frozen = false;
        this._retry();
        this._reconnectNow();
      }
    };
    this._closeOnPageHide = options.closeOnPageHide !== false;
    this._frozen = false;
    if (typeof window !== "undefined" && window.addEventListener) {
      window.addEventListener("online", this._onOnline);
      window.addEventListener("pagehide", this._onPageHide);
      window.addEventListener("pageshow", this._onPageShow);
    }
    this._open();
  }

  // ---- what the page reads -----------------------------------------------------------------

  /** "connecting", "open", "reconnecting" or "closed". */
  get state() { return this._state; }

  /** The client process id while one is known (after the first ready), else null. */
  get clientId() { return this._clientId; }

  /** The id of the last notification received, used to resume. */
  get lastEventId() { return this._lastEventId; }

  /** Resolves once the stream is open (at once when it is); rejects when the client is closed first. */
  ready() {
    if (this._state === "open") return Promise.resolve(this._clientId);
    if (this._state === "closed") return Promise.reject(new TidingsError(0, "closed", "the client is closed"));
    return new Promise((resolve, reject) => this._readyWaiters.push({ resolve, reject }));
  }

  /** True when the server has confirmed a listen on (type, key) for this client process. */
  listening(type, key) {
    const entry = this._listens.get(keyOf(type, String(key)));
    return !!entry && entry.confirmed;
  }

  /** The listens the page holds (asked for, not yet undone): [{type, key}]. */
  listens() {
    return [...this._listens.values()].filter((e) => e.want).map((e) => ({ type: e.type, key: e.key }));
  }

  // ---- handlers ------------------------------------------------------------------------------

  /**
   * on(type, handler) or on(type, key, handler): calls handler(data, {type, key, id}) for each
   * notification of that type (and key). Returns a function that removes the handler. Adding the
   * same function twice for the same target registers it once.
   */
  on(type, keyOrHandler, maybeHandler) {
    if (typeof keyOrHandler === "function") {
      return this._addHandler(this._byType, String(type), keyOrHandler);
    }
    return this._addHandler(this._byKey, keyOf(String(type), String(keyOrHandler)), maybeHandler);
  }

  /** Every notification, whatever its type: handler(data, {type, key, id}). */
  onNotification(handler) { return addTo(this._anyHandlers, handler); }

  /** Connection state changes: handler(state, previous). */
  onState(handler) { return addTo(this._stateHandlers, handler); }

  /**
   * Notifications may have been lost: handler({reason}), reason "server" (the server dropped some
   * for this client) or "new-process" (the client process was gone; everything held is listened
   * again, and the handler runs once those listens are confirmed, so that a refetch then is safe).
   */
  onMissed(handler) { return addTo(this._missedHandlers, handler); }

  /** Every confirmed listen change, including those made by the server (unlisten-identity): handler({type, key, listening}). */
  onListen(handler) { return addTo(this._listenHandlers, handler); }

  /** Errors that no promise reports (a refused connection, a failed re-listen): handler(TidingsError). */
  onError(handler) { return addTo(this._errorHandlers, handler); }

  _addHandler(map, k, handler) {
    let set = map.get(k);
    if (!set) {
      set = new Set();
      map.set(k, set);
    }
    const remove = addTo(set, handler);
    return () => {
      remove();
      if (set.size === 0 && map.get(k) === set) map.delete(k);
    };
  }

  // ---- listen / unlisten -----------------------------------------------------------------------

  /** Listens on (type, key); settles when the server confirms on the stream, or rejects with its error. */
  listen(type, key) { return this._change(String(type), String(key), true); }

  /** Stops listening on (type, key); settles when the server confirms on the stream. */
  unlisten(type, key) { return this._change(String(type), String(key), false); }

  _change(type, key, listening) {
    if (this._state === "closed") {
      return Promise.reject(new TidingsError(0, "closed", "the client is closed"));
    }
    const entry = this._entry(type, key);
    entry.want = listening;
    const promise = new Promise((resolve, reject) => {
      entry.ops.push({ listening, resolve, reject, sent: false, internal: false });
    });
    this._kick(entry);
    return promise;
  }

  _entry(type, key) {
    const k = keyOf(type, key);
    let entry = this._listens.get(k);
    if (!entry) {
      entry = { type, key, want: false, confirmed: false, ops: [] };
      this._listens.set(k, entry);
    }
    return entry;
  }

  /** Sends the head operation of a key when the stream is open and nothing is in flight for it. */
  _kick(entry) {
    if (this._state !== "open" || entry.ops.length === 0 || entry.ops[0].sent) return;
    const op = entry.ops[0];
    op.sent = true;
    const generation = this._generation;
    const client = this._clientId;
    this._post(`/notif/${encodeURIComponent(entry.type)}/${op.listening ? "listen" : "unlisten"}`,
      { client, key: entry.key })
      .then(
        () => { /* settled by the confirmation on the stream */ },
        (error) => {
          if (entry.ops[0] !== op) return;
          if (error.status === 404 && error.error === "unknown_client") {
            // The process is gone: the stream is dead or about to be. Resend on the next ready.
            op.sent = false;
            if (generation === this._generation) this._restart();
            return;
          }
          if (error.status === 0 || error.status >= 500) {
            // Network trouble or a server fault: try again after a pause, if still on this stream.
            op.sent = false;
            setTimeout(() => { if (generation === this._generation) this._kick(entry); }, this._delay());
            return;
          }
          entry.ops.shift();
          if (entry.ops.length === 0) entry.want = entry.confirmed;
          if (op.internal) this._emitError(error);
          op.reject(error);
          this._kick(entry);
          this._checkMissed();
        });
  }

  /** An event: listen on the stream, either the answer to our request or the server's own doing. */
  _onListenEvent(type, key, listening, error, message) {
    const entry = this._entry(type, key);
    entry.confirmed = listening;
    const head = entry.ops[0];
    if (error && head && head.sent) {
      // The request went to another replica (answered 202) and the one holding this client
      // refused it: the stream carries the refusal, with the key's unchanged state.
      const refused = new TidingsError(REFUSAL_STATUS[error] || 400, error, message || error);
      entry.ops.shift();
      if (entry.ops.length === 0) entry.want = listening;
      if (head.internal) this._emitError(refused);
      head.reject(refused);
      this._kick(entry);
    } else if (head && head.sent && head.listening === listening) {
      entry.ops.shift();
      head.resolve();
      this._kick(entry);
    } else if (entry.ops.length === 0) {
      entry.want = listening; // made by the server (unlisten-identity, another replica): follow it
    }
    if (!entry.want && !entry.confirmed && entry.ops.length === 0) {
      this._listens.delete(keyOf(type, key));
    }
    callAll(this._listenHandlers, { type, key, listening });
    this._checkMissed();
  }

  // ---- notify ------------------------------------------------------------------------------------

  /**
   * Sends a notification on (type, key). options.notForMe: not to this client process (it waits
   * for the stream to open to know its id); options.notForIdentity: to no client of that identity.
   */
  async notify(type, key, notification, options = {}) {
    const body = { key: String(key), notification };
    if (options.notForMe) {
      const client = this._clientId ?? await this.ready();
      body.notfor = { client };
    } else if (options.notForIdentity != null) {
      body.notfor = { identity: String(options.notForIdentity) };
    }
    await this._post(`/notif/${encodeURIComponent(String(type))}/notify`, body);
  }

  // ---- close -------------------------------------------------------------------------------------

  /**
   * Ends the client process on the server at once (not after its grace period), stops
   * reconnecting, and rejects whatever is still pending. Resolves when the server has answered.
   */
  async close() {
    if (this._state === "closed") return;
    const client = this._shutdown(new TidingsError(0, "closed", "the client is closed"));
    if (client) {
      try {
        // keepalive lets the request outlive the page when close() runs on pagehide.
        await this._request("DELETE", `/notif/client/${encodeURIComponent(client)}`, null, true);
      } catch (e) {
        if (e.status !== 404) throw e; // already gone is what we wanted
      }
    }
  }

  /** Stops for good: no stream, no reconnect, everything pending rejected. Returns the client id it had. */
  _shutdown(error) {
    const client = this._clientId;
    this._clientId = null;
    this._generation++;
    this._stopStream();
    this._setState("closed");
    if (typeof window !== "undefined" && window.removeEventListener) {
      window.removeEventListener("online", this._onOnline);
      window.removeEventListener("pagehide", this._onPageHide);
      window.removeEventListener("pageshow", this._onPageShow);
    }
    for (const entry of this._listens.values()) {
      for (const op of entry.ops) op.reject(error);
      entry.ops = [];
      entry.confirmed = false;
    }
    for (const w of this._readyWaiters.splice(0)) w.reject(error);
    return client;
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  async _headers(extra) {
    const headers = Object.assign({}, extra);
    if (this._token != null) {
      const token = typeof this._token === "function" ? await this._token() : this._token;
      if (token) headers["Authorization"] = "Bearer " + token;
    }
    return headers;
  }

  _url(path, params = []) {
    const all = params.slice();
    // The identity travels as a query parameter: a header cannot carry every name (non-Latin-1).
    if (this._identity != null && this._token == null) all.unshift(["identity", this._identity]);
    const query = all.map(([k, v]) => encodeURIComponent(k) + "=" + encodeURIComponent(v)).join("&");
    return this._base + path + (query ? "?" + query : "");
  }

  _post(path, body) {
    return this._request("POST", path, body, false);
  }

  async _request(method, path, body, keepalive) {
    let response;
    try {
      const headers = await this._headers(body == null ? {} : { "Content-Type": "application/json" });
      response = await this._fetch(this._url(path), {
        method,
        headers,
        body: body == null ? undefined : JSON.stringify(body),
        keepalive,
        credentials: this._credentials,
      });
    } catch (e) {
      throw new TidingsError(0, "network", String(e && e.message || e));
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  // ---- the stream --------------------------------------------------------------------------------

  _open() {
    const generation = ++this._generation;
    const abort = new AbortController();
    this._abort = abort;
    const params = [];
    const headers = { Accept: "text/event-stream" };
    if (this._clientId) {
      params.push(["client", this._clientId]);
      if (this._lastEventId != null) headers["Last-Event-ID"] = String(this._lastEventId);
    }
    const resuming = this._clientId;
    this._headers(headers)
      .then((h) => this._fetch(this._url("/notif/stream", params), {
        headers: h, signal: abort.signal, cache: "no-store", credentials: this._credentials,
      }))
      .then(async (response) => {
        if (generation !== this._generation) return;
        if (!response.ok) {
          const error = await errorOf(response);
          if (generation !== this._generation) return;
          if (resuming && (error.status === 404 || error.status === 403)) {
            // The process is gone (grace period over, another replica) or not ours any more:
            // open a new one at once; everything held is listened again after its ready.
            this._forgetProcess();
            this._open();
            return;
          }
          this._emitError(error);
          this._retry();
          return;
        }
        await this._read(response.body, generation);
        if (generation === this._generation) this._retry(); // the server ended the stream
      })
      .catch((e) => {
        if (generation !== this._generation) return; // aborted on purpose
        this._emitError(e instanceof TidingsError ? e : new TidingsError(0, "network", String(e && e.message || e)));
        this._retry();
      });
  }

  _forgetProcess() {
    this._clientId = null;
    this._lastEventId = null;
    this._lostProcess = true;
  }

  _stopStream() {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
    }
    if (this._idleTimer !== null) {
      clearTimeout(this._idleTimer);
      this._idleTimer = null;
    }
    if (this._abort) {
      this._abort.abort();
      this._abort = null;
    }
  }

  /** The stream failed or ended: reconnect after a backoff with jitter. */
  _retry() {
    if (this._state === "closed") return;
    this._stopStream();
    this._generation++;
    for (const entry of this._listens.values()) {
      for (const op of entry.ops) op.sent = false; // resent, in order, on the next ready
    }
    this._setState(this._clientId || this._lostProcess || this._everOpen ? "reconnecting" : "connecting");
    const delay = this._delay();
    this._attempt++;
    this._timer = setTimeout(() => { this._timer = null; this._open(); }, delay);
  }

  /** Ends the current stream (if any) and reconnects now; used when the process was found gone. */
  _restart() {
    if (this._state === "closed") return;
    this._retry();
  }

  _reconnectNow() {
    if (this._timer !== null) {
      clearTimeout(this._timer);
      this._timer = null;
      this._open();
    }
  }

  /** Exponential backoff with "equal jitter": half the step fixed, half random. */
  _delay() {
    const base = this._minDelay ?? this._serverRetry ?? 1000;
    const step = Math.min(this._maxDelay, base * Math.pow(2, Math.min(this._attempt, 16)));
    return Math.round(step / 2 + Math.random() * step / 2);
  }

  _touch(generation) {
    if (this._idleTimer !== null) clearTimeout(this._idleTimer);
    if (this._idleTimeout > 0) {
      this._idleTimer = setTimeout(() => {
        this._idleTimer = null;
        if (generation === this._generation) this._retry(); // no heartbeat: the connection is dead
      }, this._idleTimeout);
    }
  }

  async _read(body, generation) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "";
    let data = [];
    let id = null;
    let skipLF = false;
    this._touch(generation);
    for (;;) {
      const { value, done } = await reader.read();
      if (generation !== this._generation) {
        reader.cancel().catch(() => {});
        return;
      }
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      this._touch(generation);
      let start = 0;
      if (skipLF && buffer[0] === "\n") start = 1; // the \n of a \r\n cut between two chunks
      if (buffer.length > 0) skipLF = false;
      for (;;) {
        const cr = buffer.indexOf("\r", start);
        const lf = buffer.indexOf("\n", start);
        const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
        if (end < 0) break;
        let next = end + 1;
        if (buffer[end] === "\r") {
          if (end + 1 === buffer.length) skipLF = true; // a \n may start the next chunk
          else if (buffer[end + 1] === "\n") next++;
        }
        const line = buffer.slice(start, end);
        start = next;
        if (line === "") {
          if (data.length > 0) {
            this._dispatch(event || "message", data.join("\n"), id, generation);
            if (generation !== this._generation) {
              reader.cancel().catch(() => {});
              return;
            }
          }
          event = "";
          data = [];
          id = null;
          continue;
        }
        if (line[0] === ":") continue; // a heartbeat
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? "" : line.slice(colon + 1);
        if (val[0] === " ") val = val.slice(1);
        if (field === "event") event = val;
        else if (field === "data") data.push(val);
        else if (field === "id") { if (!val.includes("\u0000")) id = val; }
        else if (field === "retry") { if (/^\d+$/.test(val)) this._serverRetry = Number(val); }
      }
      buffer = buffer.slice(start);
      if (done) return;
    }
  }

  _dispatch(event, data, id, generation) {
    let payload;
    try {
      payload = JSON.parse(data);
    } catch (e) {
      this._emitError(new TidingsError(0, "protocol", "the server sent an event that is not JSON: " + data));
      return;
    }
    if (event === "notification") {
      if (id !== null) {
        const n = Number(id);
        this._lastEventId = Number.isFinite(n) ? n : id;
      }
      const meta = { type: payload.type, key: payload.key, id: this._lastEventId };
      callAll(this._byKey.get(keyOf(payload.type, payload.key)) || [], payload.data, meta);
      callAll(this._byType.get(payload.type) || [], payload.data, meta);
      callAll(this._anyHandlers, payload.data, meta);
    } else if (event === "listen") {
      this._onListenEvent(String(payload.type), String(payload.key), !!payload.listening,
        payload.error, payload.message);
    } else if (event === "missed") {
      // An overflow drops listen confirmations too: ask again for those still awaited
      // (idempotent on the server), so that no listen() promise waits forever.
      for (const entry of this._listens.values()) {
        if (entry.ops.length > 0 && entry.ops[0].sent) entry.ops[0].sent = false;
      }
      for (const entry of [...this._listens.values()]) this._kick(entry);
      callAll(this._missedHandlers, { reason: "server" });
    } else if (event === "ready") {
      this._onReady(payload, generation);
    } else if (event === "closed") {
      // The server ended this client process for good (closed elsewhere, or the identity was
      // disconnected): coming back would only open a new one behind the user's back.
      const error = new TidingsError(0, "closed", "the server ended this client: " + payload.reason);
      this._shutdown(error);
      this._emitError(error);
    }
  }

  _onReady(payload, generation) {
    const newProcess = !payload.resumed;
    const lost = newProcess && (this._lostProcess || this._clientId !== null);
    this._lostProcess = false;
    this._clientId = payload.client;
    if (newProcess) this._lastEventId = null;
    this._attempt = 0;
    this._everOpen = true;
    for (const entry of this._listens.values()) {
      for (const op of entry.ops) op.sent = false;
      if (newProcess) {
        entry.confirmed = false;
        if (entry.want && entry.ops.length === 0) {
          // Listen again on everything held; a failure goes to onError (no promise to reject).
          const done = () => this._checkMissed();
          entry.ops.push({ listening: true, resolve: done, reject: done, sent: false, internal: true });
        }
      }
    }
    if (lost) this._missedPending = true;
    this._setState("open");
    for (const w of this._readyWaiters.splice(0)) w.resolve(this._clientId);
    if (generation !== this._generation) return;
    for (const entry of [...this._listens.values()]) this._kick(entry);
    this._checkMissed();
  }

  /** After a new process: once nothing waits for a confirmation, the page may refetch safely. */
  _checkMissed() {
    if (!this._missedPending || this._state !== "open") return;
    for (const entry of this._listens.values()) {
      if (entry.ops.length > 0) return;
    }
    this._missedPending = false;
    callAll(this._missedHandlers, { reason: "new-process" });
  }

  _setState(state) {
    if (state === this._state) return;
    const previous = this._state;
    this._state = state;
    callAll(this._stateHandlers, state, previous);
  }

  _emitError(error) {
    if (this._errorHandlers.size === 0) {
      console.warn("tidings:", error.message);
    } else {
      callAll(this._errorHandlers, error);
    }
  }
}

async function errorOf(response) {
  let error = "http_" + response.status;
  let message = response.statusText || error;
  try {
    const body = await response.json();
    if (body && typeof body.error === "string") error = body.error;
    if (body && typeof body.message === "string") message = body.message;
  } catch (e) {
    // not JSON: keep the status
  }
  return new TidingsError(response.status, error, message);
}

export { STATES };
