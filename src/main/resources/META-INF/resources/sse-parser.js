// sse-parser.js: a Server-Sent Events parser for streams read with fetch(). Dependency-free ES
// module, used by tidings.js and usable on its own:
//
//   import { SseParser } from "/sse-parser.js";
//   const parser = new SseParser();
//   for (;;) {
//     const { value, done } = await reader.read();
//     for (const event of done ? parser.end() : parser.push(value)) handle(event); // {type, data, id}
//     if (parser.retry !== null) reconnectDelay = parser.retry;
//     if (done) break;
//   }
//
// It follows the "event stream interpretation" of the HTML standard: UTF-8 with one leading BOM
// dropped, lines ended by CRLF, LF or CR (a CR at the end of a chunk may have its LF in the next
// one), comments (":…"), fields with or without a colon and one space dropped after it, data lines
// joined with "\n", an event dispatched at a blank line only when it has data, and an unfinished
// event at the end of the stream dropped.

export class SseParser {
  // stream: true keeps a character cut between two chunks whole; the decoder drops one leading BOM
  #decoder = new TextDecoder("utf-8");
  #buffer = "";        // the start of a line whose end has not come yet
  #skipLF = false;     // the last chunk ended in CR: an LF starting the next one ends no new line
  #type = "";
  #data = [];
  #id = null;
  #retry = null;

  /**
   * The last valid retry: field (the reconnection delay in ms the server asks for), or null
   * while none has come.
   */
  get retry() { return this.#retry; }

  /**
   * Reads a chunk of the stream (a Uint8Array, cut anywhere, even inside a character) and returns
   * the events it completes, in order: {type, data, id}, with type "message" when the event had
   * no event: field, data its data: lines joined with "\n", and id its own id: field or null.
   */
  push(bytes) {
    return this.#lines(this.#decoder.decode(bytes, { stream: true }));
  }

  /** The stream ended: returns the events still to come (none, as an unfinished event is dropped). */
  end() {
    const events = this.#lines(this.#decoder.decode());
    this.#buffer = "";
    this.#type = "";
    this.#data = [];
    this.#id = null;
    return events;
  }

  #lines(text) {
    const events = [];
    let buffer = this.#buffer + text;
    let start = 0;
    if (this.#skipLF && buffer.length > 0) {
      if (buffer[0] === "\n") start = 1;
      this.#skipLF = false;
    }
    for (;;) {
      const end = lineEnd(buffer, start);
      if (end < 0) break;
      const line = buffer.slice(start, end);
      start = end + 1;
      if (buffer[end] === "\r") {
        if (start === buffer.length) this.#skipLF = true;
        else if (buffer[start] === "\n") start++;
      }
      this.#line(line, events);
    }
    this.#buffer = buffer.slice(start);
    return events;
  }

  #line(line, events) {
    if (line === "") {
      if (this.#data.length > 0) {
        events.push({ type: this.#type || "message", data: this.#data.join("\n"), id: this.#id });
      }
      this.#type = "";
      this.#data = [];
      this.#id = null;
      return;
    }
    if (line[0] === ":") return; // a comment, such as a heartbeat
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value[0] === " ") value = value.slice(1);
    if (field === "event") this.#type = value;
    else if (field === "data") this.#data.push(value);
    else if (field === "id") { if (!value.includes("\u0000")) this.#id = value; }
    else if (field === "retry") { if (/^[0-9]+$/.test(value)) this.#retry = Number(value); }
    // any other field is ignored
  }
}

/** The index of the first CR or LF at or after start, or -1. */
function lineEnd(text, start) {
  const cr = text.indexOf("\r", start);
  const lf = text.indexOf("\n", start);
  return cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
}
