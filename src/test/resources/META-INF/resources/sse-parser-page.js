// The script of sse-parser.html, in a file of its own: the Content-Security-Policy allows no inline script.
import { SseParser } from "/sse-parser.js";

/** A chunk: a string (sent as its UTF-8 bytes) or an array of byte values. */
function bytesOf(chunk) {
  return typeof chunk === "string" ? new TextEncoder().encode(chunk) : Uint8Array.from(chunk);
}

/**
 * Everything one parser makes of these chunks, then of the end of the stream: the events, the
 * retry, and after each chunk how many events it gave and what retry was known.
 */
function parse(chunks) {
  const parser = new SseParser();
  const events = [];
  const given = [];
  const retries = [];
  for (const chunk of chunks) {
    const some = parser.push(bytesOf(chunk));
    events.push(...some);
    given.push(some.length);
    retries.push(parser.retry);
  }
  const last = parser.end();
  events.push(...last);
  given.push(last.length);
  return { events, retry: parser.retry, given, retries };
}

/**
 * The stream cut at every byte, and at every pair of bytes (three chunks, empty ones too): how
 * many cuts were tried, and the first few whose events or retry differ from the whole stream's.
 */
function everyCut(chunks) {
  const all = chunks.flatMap((c) => [...bytesOf(c)]);
  const outcome = (parts) => {
    const { events, retry } = parse(parts);
    return JSON.stringify({ events, retry });
  };
  const whole = outcome([all]);
  const differing = [];
  let tried = 0;
  for (let i = 0; i <= all.length; i++) {
    for (let j = i; j <= all.length; j++) {
      tried++;
      const seen = outcome([all.slice(0, i), all.slice(i, j), all.slice(j)]);
      if (seen !== whole && differing.length < 3) differing.push(`cut at ${i}, ${j}: ${seen}`);
    }
  }
  return { tried, differing };
}

window.sse = { parse, everyCut };
document.body.dataset.loaded = "true";
