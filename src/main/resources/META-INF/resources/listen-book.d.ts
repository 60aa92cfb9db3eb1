// Type declarations for listen-book.js: the bookkeeping of tidings.js's listens. Internal: a page
// uses the Tidings client's listen(), unlisten(), listening() and listens(), not this.

/** @internal One listen (listening true) or unlisten request on a key, as handed out to be sent (frozen). */
export interface ListenRequest {
  readonly type: string;
  readonly key: string;
  readonly listening: boolean;
}

/** @internal What is wanted, confirmed and waiting per (type, key). */
export declare class ListenBook {
  isConfirmed(type: string, key: string): boolean;
  held(): { type: string; key: string }[];
  stable(): { type: string; key: string }[];
  readonly settled: boolean;
  request(type: string, key: string, listening: boolean): Promise<void>;
  relistenAll(resolve: () => void, reject: (error: Error) => void, carried?: Set<string>): number;
  take(type: string, key: string): ListenRequest | null;
  takeAll(): ListenRequest[];
  unsend(request: ListenRequest): boolean;
  unsendAll(): void;
  refuse(request: ListenRequest, error: Error): boolean;
  confirm(type: string, key: string, listening: boolean, error: Error | null): boolean;
  rejectAll(error: Error): void;
}
