// Type declarations for sse-parser.js, the Server-Sent Events parser tidings.js reads its stream with.

/** One event of the stream. */
export interface SseEvent {
  /** The event: field, or "message" when the event had none. */
  type: string;
  /** Its data: lines, joined with "\n". */
  data: string;
  /** Its own id: field, or null when it had none (the last id seen is the caller's to keep). */
  id: string | null;
}

/** Reads a stream in chunks of bytes cut anywhere; gives the events each chunk completes. */
export declare class SseParser {
  constructor();
  /** The last valid retry: field in ms, or null while none has come. */
  readonly retry: number | null;
  /** Reads the next chunk; returns the events it completes, in order. */
  push(bytes: BufferSource): SseEvent[];
  /** The stream ended: returns what is left (nothing: an unfinished event is dropped). */
  end(): SseEvent[];
}
