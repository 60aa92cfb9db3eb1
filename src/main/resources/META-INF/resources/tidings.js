// tidings.js: the browser client of Tidings. Dependency-free ES modules, no build step: this is the
// one to import; it loads its two siblings, sse-parser.js (the stream parser) and listen-book.js
// (what is listened, confirmed and pending), by relative path.
//
//   import { connect } from "/tidings.js";
//   const t = connect({ identity: "alice" });            // or { token: "…" } / { token: async () => "…" }
//   const off = t.on("chat", "lobby", (msg, meta) => …);  // handler per (type, key); off() removes it
//   await t.listen("chat", "lobby");                     // settles when the server confirms on the stream
//   t.onState(s => …);                                   // "connecting" | "open" | "reconnecting" | "closed"
//   t.onMissed(({ type, key }) => refetch(type, key));   // notifications on that key may have been lost (none: every key)
//   await t.notify("chat", "lobby", { from: "alice", text: "hi" }, { notForMe: true });
//   await t.close();                                     // ends the client process on the server at once
//
// The stream is read with fetch() rather than EventSource, so that the library can send headers
// (Authorization, Last-Event-ID) and can see why a (re)connection was refused: a 404 for a client
// process that is gone means "open a new one", not "retry forever". See docs/browser.md.
//
// Every event id is the server's cursor (opaque) of what this client has received. Reconnecting,
// it resumes its client process with it; where that process is gone (expired, or on a replica that
// died), it opens a new one with its listens in the URL and the same cursor, and the server sends
// what was published meanwhile first: nothing is lost, and "missed" is reported only for the keys
// the server names (event: missed).

import { SseParser } from "./sse-parser.js";
import { ListenBook } from "./listen-book.js";

const STATES = ["connecting", "open", "reconnecting", "closed"];

/** At most this many characters of listen= parameters go in a new stream's URL; the rest are listened again by POST. */
const MAX_CARRIED = 3000;

/** The HTTP status a refusal carried on the stream would have had as an answer. */
const REFUSAL_STATUS = { bad_request: 400, forbidden: 403, listen_refused: 403, unknown_type: 404, limit: 429 };

/** An error the server answered with ({"error","message"} and an HTTP status), or a local one. */
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

function closedError() {
  return new TidingsError(0, "closed", "the client is closed");
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
  #base;
  #identity;
  #token;
  #minDelay;                  // null: the server's retry: hint, else 1 s
  #maxDelay;
  #idleTimeout;
  #fetch;
  #credentials;
  #closeOnPageHide;

  #state = "connecting";
  #clientId = null;
  #lastEventId = null;
  #serverRetry = null;
  #attempt = 0;
  #abort = null;
  #timer = null;
  #idleTimer = null;
  #generation = 0;            // increases with every stream, to ignore late events of old ones
  #readyWaiters = [];
  #everOpen = false;          // a stream has been open: later attempts are "reconnecting"
  #lostProcess = false;       // the process was found gone: the next ready is a new one
  #missedPending = false;     // tell onMissed once the re-listens are confirmed
  #frozen = false;            // in the back/forward cache, stream dropped
  #carried = new Set();       // type\0key of the listens the current stream's URL carries

  #book = new ListenBook();

  #byType = new Map();        // type → Set(handler)
  #byKey = new Map();         // type\0key → Set(handler)
  #anyHandlers = new Set();
  #stateHandlers = new Set();
  #missedHandlers = new Set();
  #listenHandlers = new Set();
  #errorHandlers = new Set();

  #onOnline = () => { if (this.#timer !== null) this.#reconnectNow(); };
  // Leaving the page ends the client process at once. A page kept in the back/forward cache
  // instead drops its stream (which would otherwise hold one of the browser's few connections
  // per server) and resumes its process, within the grace period, when it is shown again.
  #onPageHide = (e) => {
    if (!e.persisted) {
      if (this.#closeOnPageHide) this.close().catch(() => {}); // the page is going: nobody to tell
    } else if (this.#state !== "closed") {
      this.#generation++;
      this.#stopStream();
      this.#frozen = true;
    }
  };
  #onPageShow = (e) => {
    if (e.persisted && this.#frozen && this.#state !== "closed") {
      this.#frozen = false;
      this.#retry();
      this.#reconnectNow();
    }
  };

  constructor(options = {}) {
    const base = options.url ?? options.base ?? "";
    this.#base = String(base).replace(/\/+$/, "");
    this.#identity = options.identity ?? null;
    this.#token = options.token ?? null;
    this.#minDelay = options.minDelay ?? null;
    this.#maxDelay = options.maxDelay ?? 30000;
    this.#idleTimeout = options.idleTimeout ?? 45000; // the server sends a heartbeat every 15 s by default
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#credentials = options.credentials ?? "same-origin"; // "include": send cookies cross-origin
    this.#closeOnPageHide = options.closeOnPageHide !== false;
    if (typeof window !== "undefined" && window.addEventListener) {
      window.addEventListener("online", this.#onOnline);
      window.addEventListener("pagehide", this.#onPageHide);
      window.addEventListener("pageshow", this.#onPageShow);
    }
    this.#open();
  }

  // ---- what the page reads -----------------------------------------------------------------

  /** "connecting", "open", "reconnecting" or "closed". */
  get state() { return this.#state; }

  /** The client process id while one is known (after the first ready), else null. */
  get clientId() { return this.#clientId; }

  /** The server's cursor of what this client has received (the last event id), used to resume and to recover. */
  get lastEventId() { return this.#lastEventId; }

  /** Resolves once the stream is open (at once when it is); rejects when the client is closed first. */
  ready() {
    if (this.#state === "open") return Promise.resolve(this.#clientId);
    if (this.#state === "closed") return Promise.reject(closedError());
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /** True when the server has confirmed a listen on (type, key) for this client process; false once closed. */
  listening(type, key) {
    return this.#state !== "closed" && this.#book.isConfirmed(String(type), String(key));
  }

  /** The listens the page holds (asked for, not yet undone): [{type, key}]. */
  listens() {
    return this.#book.held();
  }

  // ---- handlers ------------------------------------------------------------------------------

  /**
   * on(type, handler) or on(type, key, handler): calls handler(data, {type, key, id}) for each
   * notification of that type (and key). Returns a function that removes the handler. Adding the
   * same function twice for the same target registers it once.
   */
  on(type, keyOrHandler, maybeHandler) {
    if (typeof keyOrHandler === "function") {
      return this.#addHandler(this.#byType, String(type), keyOrHandler);
    }
    return this.#addHandler(this.#byKey, keyOf(String(type), String(keyOrHandler)), maybeHandler);
  }

  /** Every notification, whatever its type: handler(data, {type, key, id}). */
  onNotification(handler) { return addTo(this.#anyHandlers, handler); }

  /** Connection state changes: handler(state, previous). */
  onState(handler) { return addTo(this.#stateHandlers, handler); }

  /**
   * Notifications may have been lost: handler({reason, why, type, key}). reason "server": the
   * server says so (event: missed), once per key it names (type and key), or once without a key
   * when its queue for this client overflowed (every key); why is the server's reason
   * ("overflow", "retention", "epoch", "cursor", "unsupported", "unavailable"). reason
   * "new-process": the client process was gone and some listens had to be made again without a
   * cursor to recover from; the handler runs once those listens are confirmed, so that a refetch
   * then is safe.
   */
  onMissed(handler) { return addTo(this.#missedHandlers, handler); }

  /** Every confirmed listen change, including those made by the server (unlisten-identity): handler({type, key, listening}). */
  onListen(handler) { return addTo(this.#listenHandlers, handler); }

  /** Errors that no promise reports (a refused connection, a failed re-listen): handler(TidingsError). */
  onError(handler) { return addTo(this.#errorHandlers, handler); }

  #addHandler(map, k, handler) {
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
  listen(type, key) { return this.#change(String(type), String(key), true); }

  /** Stops listening on (type, key); settles when the server confirms on the stream. */
  unlisten(type, key) { return this.#change(String(type), String(key), false); }

  #change(type, key, listening) {
    if (this.#state === "closed") return Promise.reject(closedError());
    const promise = this.#book.request(type, key, listening);
    this.#kick(type, key);
    return promise;
  }

  /** Sends what waits on (type, key) when the stream is open and nothing is in flight for that key. */
  #kick(type, key) {
    if (this.#state !== "open") return;
    const request = this.#book.take(type, key);
    if (request) this.#send(request);
  }

  /** Sends what waits on every key, one request per key. */
  #kickAll() {
    if (this.#state !== "open") return;
    for (const request of this.#book.takeAll()) this.#send(request);
  }

  #send(request) {
    const generation = this.#generation;
    const { type, key } = request;
    this.#post(`/notif/${encodeURIComponent(type)}/${request.listening ? "listen" : "unlisten"}`,
      { client: this.#clientId, key })
      .then(
        () => { /* settled by the confirmation on the stream */ },
        (error) => {
          if (error.status === 404 && error.error === "unknown_client") {
            // The process is gone: the stream is dead or about to be. Resend on the next ready.
            if (this.#book.unsend(request) && generation === this.#generation) this.#restart();
          } else if (error.status === 0 || error.status >= 500) {
            // Network trouble or a server fault: try again after a pause, if still on this stream.
            if (this.#book.unsend(request)) {
              setTimeout(() => { if (generation === this.#generation) this.#kick(type, key); }, this.#delay());
            }
          } else if (this.#book.refuse(request, error)) {
            this.#kick(type, key);
            this.#checkMissed();
          }
        });
  }

  /** An event: listen on the stream, either the answer to our request or the server's own doing. */
  #onListenEvent(type, key, listening, error, message) {
    // The request went to another replica (answered 202) and the one holding this client
    // refused it: the stream carries the refusal, with the key's unchanged state.
    const refusal = error ? new TidingsError(REFUSAL_STATUS[error] || 400, error, message || error) : null;
    if (this.#book.confirm(type, key, listening, refusal)) this.#kick(type, key);
    callAll(this.#listenHandlers, { type, key, listening });
    this.#checkMissed();
  }

  // ---- notify ------------------------------------------------------------------------------------

  /**
   * Sends a notification on (type, key). options.notForMe: not to this client process (it waits
   * for the stream to open to know its id); options.notForIdentity: to no client of that identity.
   */
  async notify(type, key, notification, options = {}) {
    const body = { key: String(key), notification };
    if (options.notForMe) {
      const client = this.#clientId ?? await this.ready();
      body.notfor = { client };
    } else if (options.notForIdentity != null) {
      body.notfor = { identity: String(options.notForIdentity) };
    }
    await this.#post(`/notif/${encodeURIComponent(String(type))}/notify`, body);
  }

  // ---- close -------------------------------------------------------------------------------------

  /**
   * Ends the client process on the server at once (not after its grace period), stops
   * reconnecting, and rejects whatever is still pending. Resolves when the server has answered.
   */
  async close() {
    if (this.#state === "closed") return;
    const client = this.#shutdown(closedError());
    if (client) {
      try {
        // keepalive lets the request outlive the page when close() runs on pagehide.
        await this.#request("DELETE", `/notif/client/${encodeURIComponent(client)}`, null, true);
      } catch (e) {
        if (e.status !== 404) throw e; // already gone is what we wanted
      }
    }
  }

  /** Stops for good: no stream, no reconnect, everything pending rejected. Returns the client id it had. */
  #shutdown(error) {
    const client = this.#clientId;
    this.#clientId = null;
    this.#generation++;
    this.#stopStream();
    this.#setState("closed");
    if (typeof window !== "undefined" && window.removeEventListener) {
      window.removeEventListener("online", this.#onOnline);
      window.removeEventListener("pagehide", this.#onPageHide);
      window.removeEventListener("pageshow", this.#onPageShow);
    }
    this.#book.rejectAll(error);
    for (const w of this.#readyWaiters.splice(0)) w.reject(error);
    return client;
  }

  // ---- HTTP ---------------------------------------------------------------------------------------

  async #headers(extra) {
    const headers = Object.assign({}, extra);
    if (this.#token != null) {
      const token = typeof this.#token === "function" ? await this.#token() : this.#token;
      if (token) headers["Authorization"] = "Bearer " + token;
    }
    return headers;
  }

  #url(path, params = []) {
    const all = params.slice();
    // The identity travels as a query parameter: a header cannot carry every name (non-Latin-1).
    if (this.#identity != null && this.#token == null) all.unshift(["identity", this.#identity]);
    const query = all.map(([k, v]) => encodeURIComponent(k) + "=" + encodeURIComponent(v)).join("&");
    return this.#base + path + (query ? "?" + query : "");
  }

  #post(path, body) {
    return this.#request("POST", path, body, false);
  }

  async #request(method, path, body, keepalive) {
    let response;
    try {
      const headers = await this.#headers(body == null ? {} : { "Content-Type": "application/json" });
      response = await this.#fetch(this.#url(path), {
        method,
        headers,
        body: body == null ? undefined : JSON.stringify(body),
        keepalive,
        credentials: this.#credentials,
      });
    } catch (e) {
      throw new TidingsError(0, "network", String(e && e.message || e));
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  // ---- the stream --------------------------------------------------------------------------------

  #open() {
    const generation = ++this.#generation;
    const abort = new AbortController();
    this.#abort = abort;
    const params = [];
    const headers = { Accept: "text/event-stream" };
    this.#carried = new Set();
    if (this.#clientId) {
      params.push(["client", this.#clientId]);
    } else if (this.#lastEventId != null) {
      // A new process that recovers from the cursor: its listens go in the URL, so that they are
      // made before the stream starts, and the server replays what they missed.
      let length = 0;
      for (const { type, key } of this.#book.stable()) {
        length += type.length + key.length + 9;
        if (length > MAX_CARRIED) break;
        params.push(["listen", type + ":" + key]);
        this.#carried.add(keyOf(type, key));
      }
    }
    if (this.#lastEventId != null) headers["Last-Event-ID"] = String(this.#lastEventId);
    const resuming = this.#clientId;
    this.#headers(headers)
      .then((h) => this.#fetch(this.#url("/notif/stream", params), {
        headers: h, signal: abort.signal, cache: "no-store", credentials: this.#credentials,
      }))
      .then(async (response) => {
        if (generation !== this.#generation) return;
        if (!response.ok) {
          const error = await errorOf(response);
          if (generation !== this.#generation) return;
          if (resuming && (error.status === 404 || error.status === 403)) {
            // The process is gone (grace period over, another replica) or not ours any more:
            // open a new one at once; everything held is listened again after its ready.
            this.#forgetProcess();
            this.#open();
            return;
          }
          if (!resuming && error.status === 400 && this.#lastEventId != null) {
            // Not a cursor this server reads (another version): start afresh, reported as a new process.
            this.#lastEventId = null;
            this.#lostProcess = true;
            this.#open();
            return;
          }
          if (this.#carried.size > 0 && error.status >= 400 && error.status < 500 && error.status !== 429) {
            // A listen carried in the URL was refused (its rule changed): open without them,
            // so that each is listened again by itself and a refusal goes to that listen only.
            this.#lastEventId = null;
            this.#lostProcess = true;
            this.#open();
            return;
          }
          this.#emitError(error);
          this.#retry();
          return;
        }
        await this.#read(response.body, generation);
        if (generation === this.#generation) this.#retry(); // the server ended the stream
      })
      .catch((e) => {
        if (generation !== this.#generation) return; // aborted on purpose
        this.#emitError(e instanceof TidingsError ? e : new TidingsError(0, "network", String(e && e.message || e)));
        this.#retry();
      });
  }

  #forgetProcess() {
    this.#clientId = null; // the cursor stays: the new process recovers from it
    this.#lostProcess = true;
  }

  #stopStream() {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
    if (this.#abort) {
      this.#abort.abort();
      this.#abort = null;
    }
  }

  /** The stream failed or ended: reconnect after a backoff with jitter. */
  #retry() {
    if (this.#state === "closed") return;
    this.#stopStream();
    this.#generation++;
    this.#book.unsendAll(); // resent, in order, on the next ready
    this.#setState(this.#clientId || this.#lostProcess || this.#everOpen ? "reconnecting" : "connecting");
    const delay = this.#delay();
    this.#attempt++;
    this.#timer = setTimeout(() => { this.#timer = null; this.#open(); }, delay);
  }

  /** Ends the current stream (if any) and reconnects now; used when the process was found gone. */
  #restart() {
    if (this.#state === "closed") return;
    this.#retry();
  }

  #reconnectNow() {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
      this.#open();
    }
  }

  /** Exponential backoff with "equal jitter": half the step fixed, half random. */
  #delay() {
    const base = this.#minDelay ?? this.#serverRetry ?? 1000;
    const step = Math.min(this.#maxDelay, base * Math.pow(2, Math.min(this.#attempt, 16)));
    return Math.round(step / 2 + Math.random() * step / 2);
  }

  #touch(generation) {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    if (this.#idleTimeout > 0) {
      this.#idleTimer = setTimeout(() => {
        this.#idleTimer = null;
        if (generation === this.#generation) this.#retry(); // no heartbeat: the connection is dead
      }, this.#idleTimeout);
    }
  }

  async #read(body, generation) {
    const reader = body.getReader();
    const parser = new SseParser();
    this.#touch(generation);
    for (;;) {
      const { value, done } = await reader.read();
      if (generation !== this.#generation) {
        reader.cancel().catch(() => {});
        return;
      }
      this.#touch(generation); // anything, a heartbeat too, shows the connection is alive
      const events = done ? parser.end() : parser.push(value);
      if (parser.retry !== null) this.#serverRetry = parser.retry;
      for (const event of events) {
        this.#dispatch(event.type, event.data, event.id, generation);
        if (generation !== this.#generation) {
          reader.cancel().catch(() => {});
          return;
        }
      }
      if (done) return;
    }
  }

  #dispatch(event, data, id, generation) {
    if (id !== null && id !== "" && (event === "notification" || event === "listen" || event === "ready")) {
      const n = Number(id);
      this.#lastEventId = Number.isFinite(n) ? n : id;
    }
    let payload;
    try {
      payload = JSON.parse(data);
    } catch (e) {
      this.#emitError(new TidingsError(0, "protocol", "the server sent an event that is not JSON: " + data));
      return;
    }
    if (event === "notification") {
      const meta = { type: payload.type, key: payload.key, id: this.#lastEventId };
      callAll(this.#byKey.get(keyOf(payload.type, payload.key)) || [], payload.data, meta);
      callAll(this.#byType.get(payload.type) || [], payload.data, meta);
      callAll(this.#anyHandlers, payload.data, meta);
    } else if (event === "listen") {
      this.#onListenEvent(String(payload.type), String(payload.key), !!payload.listening,
        payload.error, payload.message);
    } else if (event === "missed") {
      if (Array.isArray(payload.keys)) {
        // A recovery could not be honoured for these keys (past retention, log lost): only they may have gaps.
        for (const k of payload.keys) {
          callAll(this.#missedHandlers, { reason: "server", why: payload.reason, type: String(k.type), key: String(k.key) });
        }
        return;
      }
      // An overflow drops listen confirmations too: ask again for those still awaited
      // (idempotent on the server), so that no listen() promise waits forever.
      this.#book.unsendAll();
      this.#kickAll();
      callAll(this.#missedHandlers, { reason: "server", why: payload.reason || "overflow" });
    } else if (event === "ready") {
      this.#onReady(payload, generation);
    } else if (event === "closed") {
      if (payload.reason === "expired" && typeof this.#token === "function") {
        // The token ran out, not the client process: it waits for its grace period, and the
        // stream's end brings a reconnect that asks the token function for a fresh one.
        return;
      }
      // The server ended this client process for good (closed elsewhere, or the identity was
      // disconnected), or its token expired and there is no function to get another: coming
      // back would only open a new one behind the user's back.
      const error = new TidingsError(0, "closed", "the server ended this client: " + payload.reason);
      this.#shutdown(error);
      this.#emitError(error);
    }
  }

  #onReady(payload, generation) {
    const newProcess = !payload.resumed;
    const lostProcess = newProcess && (this.#lostProcess || this.#clientId !== null);
    this.#lostProcess = false;
    this.#clientId = payload.client;
    this.#attempt = 0;
    this.#everOpen = true;
    this.#book.unsendAll();
    let relistened = 0;
    if (newProcess) {
      // Listen again on everything held but what the URL carried (the server confirms those on
      // the stream and recovers them); a failure goes to onError (no promise to reject).
      const done = () => this.#checkMissed();
      relistened = this.#book.relistenAll(done, (error) => {
        if (this.#state !== "closed") this.#emitError(error); // closing drops them: nothing refused
        done();
      }, this.#carried);
    }
    if (lostProcess && relistened > 0) this.#missedPending = true;
    this.#setState("open");
    for (const w of this.#readyWaiters.splice(0)) w.resolve(this.#clientId);
    if (generation !== this.#generation) return;
    this.#kickAll();
    this.#checkMissed();
  }

  /** After a new process: once nothing waits for a confirmation, the page may refetch safely. */
  #checkMissed() {
    if (!this.#missedPending || this.#state !== "open" || !this.#book.settled) return;
    this.#missedPending = false;
    callAll(this.#missedHandlers, { reason: "new-process" });
  }

  #setState(state) {
    if (state === this.#state) return;
    const previous = this.#state;
    this.#state = state;
    callAll(this.#stateHandlers, state, previous);
  }

  #emitError(error) {
    if (this.#errorHandlers.size === 0) {
      console.warn("tidings:", error.message);
    } else {
      callAll(this.#errorHandlers, error);
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
