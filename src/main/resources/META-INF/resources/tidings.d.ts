// Type declarations for tidings.js, the browser client of Tidings.
//
// Typed per notification type: give connect() a map from each type's name to the data its
// notifications carry, and every call on that client is checked against it.
//
//   interface ChatView { from: string; text: string; to?: string; private?: boolean }
//   const t = connect<{ chat: ChatView; feed: unknown }>({ identity: "alice" });
//   t.on("chat", "lobby", (message) => show(message.text));   // message: ChatView
//   await t.notify("chat", "lobby", { from: "alice", text: "hi" });
//   await t.listen("news", "x");                                // error: no type "news" in the map
//
// Without a map (connect({ … })) any type name is accepted and notifications are `any`.

/** The connection's state. "connecting" until the first stream opens; "reconnecting" after that. */
export type TidingsState = "connecting" | "open" | "reconnecting" | "closed";

export declare const STATES: readonly TidingsState[];

/** A client without a type map: any type name, notifications of any shape. */
export type AnyTypes = Record<string, any>;

/** The notification types of a type map: its keys that are strings. */
export type TypeName<M> = keyof M & string;

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
export interface NotificationMeta<T extends string = string> {
  type: T;
  key: string;
  /** The event id (increasing per client process), or null. */
  id: number | string | null;
}

/** A handler of notifications of type T, which carry D. */
export type NotificationHandler<D = any, T extends string = string> = (data: D, meta: NotificationMeta<T>) => void;

export interface ListenChange<T extends string = string> {
  type: T;
  key: string;
  listening: boolean;
}

export interface Missed {
  /** "server": the server says notifications may have been lost (event: missed); "new-process":
   * the client process was gone and listens were made again without a cursor to recover from
   * (the handler runs once they are confirmed). */
  reason: "server" | "new-process";
  /** With "server": the server's reason. "overflow": its queue for this client overflowed (every
   * key); else a recovery by cursor could not be honoured for this key: "retention" (older than
   * the log keeps, or further behind than the server reads back), "epoch" (the log was lost, e.g. a restart), "cursor" (the cursor held no
   * position for it), "unsupported", "unavailable". */
  why?: "overflow" | "retention" | "epoch" | "cursor" | "unsupported" | "unavailable" | string;
  /** The type and key that may have gaps; absent: every key. */
  type?: string;
  key?: string;
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
  constructor(status: number, error: string, message?: string);
  /** HTTP status, or 0 for a local error. */
  readonly status: number;
  /** The server's error code (e.g. "unknown_type", "listen_refused", "bad_request"), or "closed" / "network" / "protocol". */
  readonly error: string;
}

/**
 * A connection to Tidings. M maps each notification type to the data its notifications carry
 * (see connect); listen, on, notify and the rest accept only those types.
 */
export declare class Tidings<M extends object = AnyTypes> {
  constructor(options?: ConnectOptions);

  readonly state: TidingsState;
  /** The client process id once the stream has been ready, else null. */
  readonly clientId: string | null;
  /** The server's cursor of what this client has received (the last event id): opaque. */
  readonly lastEventId: number | string | null;

  /** Resolves with the client id once the stream is open; rejects if closed first. */
  ready(): Promise<string>;
  /** True when the server has confirmed the listen on (type, key) for the current client process; false once closed. */
  listening(type: TypeName<M>, key: string): boolean;
  /** The listens the page holds. */
  listens(): { type: TypeName<M>; key: string }[];

  /** Listens on (type, key); resolves on the server's confirmation, rejects with its error. Callable before the stream opens. */
  listen(type: TypeName<M>, key: string): Promise<void>;
  /** Stops listening on (type, key); resolves on the server's confirmation. */
  unlisten(type: TypeName<M>, key: string): Promise<void>;

  /** A handler for every notification of a type. */
  on<T extends TypeName<M>>(type: T, handler: NotificationHandler<M[T], T>): Remover;
  /** A handler for notifications of a type on one key (Eliom's client_ev). */
  on<T extends TypeName<M>>(type: T, key: string, handler: NotificationHandler<M[T], T>): Remover;
  /** A handler for every notification, of whichever type: data is what any type of the map carries. */
  onNotification(handler: NotificationHandler<M[TypeName<M>], TypeName<M>>): Remover;
  onState(handler: (state: TidingsState, previous: TidingsState) => void): Remover;
  onMissed(handler: (missed: Missed) => void): Remover;
  onListen(handler: (change: ListenChange<TypeName<M>>) => void): Remover;
  onError(handler: (error: TidingsError) => void): Remover;

  /** Sends a notification of type T, which must carry what the map says; resolves when the server accepted it (202). */
  notify<T extends TypeName<M>>(type: T, key: string, notification: M[T], options?: NotifyOptions): Promise<void>;

  /** Ends the client process on the server at once and stops reconnecting. */
  close(): Promise<void>;
}

/**
 * Creates a client and starts connecting. M, optional, maps each notification type to the data
 * its notifications carry: connect<{ chat: ChatView; feed: unknown }>(…).
 */
export declare function connect<M extends object = AnyTypes>(options?: ConnectOptions): Tidings<M>;
