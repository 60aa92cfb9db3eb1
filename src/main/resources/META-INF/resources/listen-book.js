// listen-book.js: what tidings.js knows of its listens, per (type, key): what the page wants,
// what the server has confirmed, and the listen/unlisten requests waiting for a confirmation, in
// the order they were made. It sends nothing itself: the client takes the requests to send with
// take() / takeAll() and reports what came back. Dependency-free ES module.

/**
 * One request: listen (listening true) or unlisten on a key. Sent one at a time per key, the head
 * of the key's queue first, so that the server ends in the state of the last request.
 */
class Request {
  constructor(entry, listening, resolve, reject) {
    this.entry = entry;
    this.listening = listening;
    this.resolve = resolve;
    this.reject = reject;
    this.sent = false;
  }

  get type() { return this.entry.type; }

  get key() { return this.entry.key; }
}

export class ListenBook {
  /** type\0key → { type, key, want, confirmed, queue: [Request] } */
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
    return new Promise((resolve, reject) => entry.queue.push(new Request(entry, listening, resolve, reject)));
  }

  /**
   * A new client process knows no listen: every key the page holds is listened again, with
   * resolve() / reject(error) called when the server answers. Returns the count queued.
   */
  relistenAll(resolve, reject) {
    let count = 0;
    for (const [k, entry] of this.#entries) {
      entry.confirmed = false;
      if (entry.want && entry.queue.length === 0) {
        entry.queue.push(new Request(entry, true, resolve, reject));
        count++;
      } else if (!entry.want && entry.queue.length === 0) {
        this.#entries.delete(k);
      }
    }
    return count;
  }

  /** The request to send now on (type, key), marked sent; null when one is in flight or none waits. */
  take(type, key) {
    const entry = this.#entries.get(keyOf(type, key));
    return entry ? takeHead(entry) : null;
  }

  /** The requests to send now, one per key, marked sent. */
  takeAll() {
    const taken = [];
    for (const entry of this.#entries.values()) {
      const request = takeHead(entry);
      if (request) taken.push(request);
    }
    return taken;
  }

  /** The request will be sent again (to another stream, or after a pause) unless it is settled already. */
  unsend(request) {
    if (isHead(request)) request.sent = false;
    return isHead(request);
  }

  /** Nothing is in flight any more (the stream is gone, or confirmations may have been lost): all is sent again. */
  unsendAll() {
    for (const entry of this.#entries.values()) {
      for (const request of entry.queue) request.sent = false;
    }
  }

  /** The request was refused before reaching the stream: it rejects, and the key stays as it was. */
  refuse(request, error) {
    if (!isHead(request)) return false;
    const entry = request.entry;
    entry.queue.shift();
    if (entry.queue.length === 0) entry.want = entry.confirmed;
    request.reject(error);
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
    const head = entry.queue[0];
    let settled = false;
    if (head && head.sent && (error || head.listening === listening)) {
      entry.queue.shift();
      if (entry.queue.length === 0 && error) entry.want = listening;
      settled = true;
    } else if (entry.queue.length === 0) {
      entry.want = listening; // made by the server (unlisten-identity, another replica): follow it
    }
    if (!entry.want && !entry.confirmed && entry.queue.length === 0) {
      this.#entries.delete(keyOf(type, key));
    }
    if (settled && error) head.reject(error);
    else if (settled) head.resolve();
    return settled;
  }

  /** The client is closed: every waiting request rejects with error and nothing is confirmed any more. */
  rejectAll(error) {
    for (const entry of this.#entries.values()) {
      const queue = entry.queue;
      entry.queue = [];
      entry.confirmed = false;
      for (const request of queue) request.reject(error);
    }
  }

  #entry(type, key) {
    const k = keyOf(type, key);
    let entry = this.#entries.get(k);
    if (!entry) {
      entry = { type, key, want: false, confirmed: false, queue: [] };
      this.#entries.set(k, entry);
    }
    return entry;
  }
}

function keyOf(type, key) {
  return type + "\u0000" + key;
}

function isHead(request) {
  return request.entry.queue[0] === request;
}

function takeHead(entry) {
  const head = entry.queue[0];
  if (!head || head.sent) return null;
  head.sent = true;
  return head;
}
