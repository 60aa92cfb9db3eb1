// listen-book.js: what tidings.js knows of its listens, per (type, key): what the page wants,
// what the server has confirmed, and the listen/unlisten requests waiting for a confirmation, in
// the order they were made. It sends nothing itself: the client takes the requests to send with
// take() / takeAll() and reports what came back. Dependency-free ES module.
//
// Requests are sent one at a time per key, the oldest first, so that the server ends in the state
// of the last one. A request handed out is a frozen {type, key, listening}: the book alone
// settles it and knows whether it is in flight.

export class ListenBook {
  /**
   * type\0key → { type, key, want, confirmed, sent, queue: [{ request, resolve, reject }] };
   * sent: the oldest request of the queue is in flight.
   */
  #entries = new Map();

  /** True when the server has confirmed a listen on (type, key). */
  isConfirmed(type, key) {
    const entry = this.#entries.get(keyOf(type, key));
    return !!entry && entry.confirmed;
  }

  /** The listens the page holds (asked for and not undone, or made by the server): [{type, key}]. */
  held() {
    return [...this.#entries.values()].filter((e) => e.want).map((e) => ({ type: e.type, key: e.key }));
  }

  /** The listens confirmed, still wanted and with no request waiting: [{type, key}]. */
  stable() {
    return [...this.#entries.values()].filter((e) => e.want && e.confirmed && e.queue.length === 0)
      .map((e) => ({ type: e.type, key: e.key }));
  }

  /** True when no request waits for a confirmation. */
  get settled() {
    for (const entry of this.#entries.values()) {
      if (entry.queue.length > 0) return false;
    }
    return true;
  }

  /** Queues a listen (listening true) or unlisten on (type, key); the promise settles with its confirmation. */
  request(type, key, listening) {
    const entry = this.#entry(type, key);
    entry.want = listening;
    return new Promise((resolve, reject) => enqueue(entry, listening, resolve, reject));
  }

  /**
   * A new client process knows no listen: every key the page holds is listened again, with
   * resolve() / reject(error) called when the server answers, except those in carried (a Set of
   * type\0key the new stream's URL made listen: their confirmation comes on the stream). Returns
   * how many were queued.
   */
  relistenAll(resolve, reject, carried = new Set()) {
    let queued = 0;
    for (const [k, entry] of this.#entries) {
      entry.confirmed = false;
      if (entry.queue.length > 0 || (entry.want && carried.has(k))) continue;
      if (entry.want) {
        enqueue(entry, true, resolve, reject);
        queued++;
      } else {
        this.#entries.delete(k);
      }
    }
    return queued;
  }

  /** The request to send now on (type, key), marked in flight; null when one is in flight already or none waits. */
  take(type, key) {
    const entry = this.#entries.get(keyOf(type, key));
    return entry ? takeHead(entry) : null;
  }

  /** The requests to send now, one per key, marked in flight. */
  takeAll() {
    const taken = [];
    for (const entry of this.#entries.values()) {
      const request = takeHead(entry);
      if (request) taken.push(request);
    }
    return taken;
  }

  /** The request is to be sent again (on another stream, or after a pause), unless settled already: false then. */
  unsend(request) {
    const entry = this.#entryWaitingFor(request);
    if (entry) entry.sent = false;
    return !!entry;
  }

  /** Nothing is in flight any more (the stream is gone, or confirmations may have been lost): all is sent again. */
  unsendAll() {
    for (const entry of this.#entries.values()) entry.sent = false;
  }

  /** The request was refused before reaching the stream: it rejects and the key stays as it was. False when settled already. */
  refuse(request, error) {
    const entry = this.#entryWaitingFor(request);
    if (!entry) return false;
    const head = shift(entry);
    if (entry.queue.length === 0) entry.want = entry.confirmed;
    head.reject(error);
    return true;
  }

  /**
   * The stream says (type, key) is now listening or not: the confirmation of the request in
   * flight, its refusal (error: a TidingsError, the key unchanged), or the server's own doing.
   * Returns true when it settled the request in flight, so that the key's next one may go.
   */
  confirm(type, key, listening, error) {
    const entry = this.#entry(type, key);
    entry.confirmed = listening;
    const head = entry.sent ? entry.queue[0] : null;
    const settles = !!head && (!!error || head.request.listening === listening);
    if (settles) {
      shift(entry);
      if (entry.queue.length === 0 && error) entry.want = listening;
    } else if (entry.queue.length === 0) {
      entry.want = listening; // made by the server (unlisten-identity, another replica): follow it
    }
    if (!entry.want && !entry.confirmed && entry.queue.length === 0) {
      this.#entries.delete(keyOf(type, key));
    }
    if (settles && error) head.reject(error);
    else if (settles) head.resolve();
    return settles;
  }

  /** The client is closed: every waiting request rejects with error and nothing is confirmed any more. */
  rejectAll(error) {
    for (const entry of this.#entries.values()) {
      const queue = entry.queue;
      entry.queue = [];
      entry.sent = false;
      entry.confirmed = false;
      for (const waiting of queue) waiting.reject(error);
    }
  }

  #entry(type, key) {
    const k = keyOf(type, key);
    let entry = this.#entries.get(k);
    if (!entry) {
      entry = { type, key, want: false, confirmed: false, sent: false, queue: [] };
      this.#entries.set(k, entry);
    }
    return entry;
  }

  /** The entry whose oldest request this is, or null when it was settled (or dropped) meanwhile. */
  #entryWaitingFor(request) {
    const entry = this.#entries.get(keyOf(request.type, request.key));
    return entry && entry.queue.length > 0 && entry.queue[0].request === request ? entry : null;
  }
}

function keyOf(type, key) {
  return type + "\u0000" + key;
}

function enqueue(entry, listening, resolve, reject) {
  const request = Object.freeze({ type: entry.type, key: entry.key, listening });
  entry.queue.push({ request, resolve, reject });
}

function takeHead(entry) {
  if (entry.sent || entry.queue.length === 0) return null;
  entry.sent = true;
  return entry.queue[0].request;
}

function shift(entry) {
  entry.sent = false;
  return entry.queue.shift();
}
