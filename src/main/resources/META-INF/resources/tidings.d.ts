// Type declarations for tidings.js, the browser client of Tidings.

/** The connection's state. "connecting" until the first stream opens; "reconnecting" after that. */
export type TidingsState = "connecting" | "open" | "reconnecting" | "closed";

export declare const STATES: readonly TidingsState[];

export interface ConnectOptions {
  /** Base URL of the Tidings server; default: the page's origin (""). Alias: base. */
  url?: string;
  base?: string;
  /** Demo mode: the identity to act as (sent as the identity= query parameter). */
  identity?: string;
  /** JWT mode: a bearer token, or a function giving a fresh one for each request and connection. */
  token?: string | (() => string | Promise<string>);
  /** First reconnect delay in ms before jitter; default: the server's retry: hint, else 1000. */
  minDelay?: number;
  /** Longest reconnect delay in ms; default 30000. */
  maxDelay?: number;
  /** Reconnect when nothing (not even a heartbeat) arrived for this long, in ms; 0 disables; default 45000. */
  idleTimeout?: number;
  /** End the client process on the server when the page is left (pagehide); default true. A page
   * put in the back/forward cache drops its stream either way and resumes when shown again. */
  closeOnPageHide?: boolean;
  /** fetch's credentials mode; "include" sends cookies (an access_token cookie) to another origin. Default "same-origin". */
  credentials?: RequestCredentials;
  /** The fetch to use; default globalThis.fetch. */
  fetch?: typeof fetch;
}

/** What a handler learns besides the notification itself. */
export interface NotificationMeta {
  type: string;
  key: string;
  /** The event id (increasing per client process), or null. */
  id: number | string | null;
}

export type NotificationHandler<T = any> = (data: T, meta: NotificationMeta) => void;

export interface ListenChange {
  type: string;
  key: string;
  listening: boolean;
}

export interface Missed {
  /** "server": the server dropped notifications for this client; "new-process": the client
   * process was gone, everything held was listened again (the handler runs once confirmed). */
  reason: "server" | "new-process";
}

export interface NotifyOptions {
  /** Not to this client process (Eliom's notfor `Me). */
  notForMe?: boolean;
  /** Not to any client process of this identity. */
  notForIdentity?: string;
}

/** Removes what was added. */
export type Remover = () => void;

/** An error answered by the server ({"error","message"} with its HTTP status) or a local one (status 0). */
export declare class TidingsError extends Error {
  /** HTTP status, or 0 for a local error. */
  readonly status: number;
  /** The server's error code (e.g. "unknown_type", "listen_refused", "bad_request"), or "closed" / "network" / "protocol". */
  readonly error: string;
}

export declare class Tidings {
  constructor(options?: ConnectOptions);

  readonly state: TidingsState;
  /** The client process id once the stream has been ready, else null. */
  readonly clientId: string | null;
  /** The id of the last notification received. */
  readonly lastEventId: number | string | null;

  /** Resolves with the client id once the stream is open; rejects if closed first. */
  ready(): Promise<string>;
  /** True when the server has confirmed the listen on (type, key) for the current client process. */
  listening(type: string, key: string): boolean;
  /** The listens the page holds. */
  listens(): { type: string; key: string }[];

  /** Listens on (type, key); resolves on the server's confirmation, rejects with its error. Callable before the stream opens. */
  listen(type: string, key: string): Promise<void>;
  /** Stops listening on (type, key); resolves on the server's confirmation. */
  unlisten(type: string, key: string): Promise<void>;

  /** A handler for every notification of a type. */
  on<T = any>(type: string, handler: NotificationHandler<T>): Remover;
  /** A handler for notifications of a type on one key (Eliom's client_ev). */
  on<T = any>(type: string, key: string, handler: NotificationHandler<T>): Remover;
  /** A handler for every notification. */
  onNotification(handler: NotificationHandler): Remover;
  onState(handler: (state: TidingsState, previous: TidingsState) => void): Remover;
  onMissed(handler: (missed: Missed) => void): Remover;
  onListen(handler: (change: ListenChange) => void): Remover;
  onError(handler: (error: TidingsError) => void): Remover;

  /** Sends a notification; resolves when the server accepted it (202). */
  notify(type: string, key: string, notification: unknown, options?: NotifyOptions): Promise<void>;

  /** Ends the client process on the server at once and stops reconnecting. */
  close(): Promise<void>;
}

/** Creates a client and starts connecting. */
export declare function connect(options?: ConnectOptions): Tidings;
