// Type checks of tidings.d.ts and sse-parser.d.ts, compiled by TidingsTypesTest with Debian's tsc
// (--strict): every line must compile, except those under @ts-expect-error, which must not.
import { connect, STATES, Tidings, TidingsError, type NotificationMeta, type TidingsState } from "./tidings.js";
import { SseParser, type SseEvent } from "./sse-parser.js";

interface ChatView { from: string; text: string; to?: string; private?: boolean }
interface Headline { headline: string }
type Types = { chat: ChatView; feed: Headline; probe: unknown };

const t = connect<Types>({ identity: "alice", minDelay: 100, token: async () => "jwt" });

// ---- handlers get what their type carries --------------------------------------------------------
t.on("chat", "lobby", (message, meta) => {
  const text: string = message.text;
  const type: "chat" = meta.type;
  const key: string = meta.key;
  const id: number | string | null = meta.id;
});
t.on("feed", (item) => item.headline.toUpperCase());
t.on("probe", (anything) => anything);
// @ts-expect-error a chat message has no headline
t.on("chat", (message) => message.headline);
// @ts-expect-error "news" is no type of the map
t.on("news", () => {});
// @ts-expect-error a feed handler cannot take chat messages
t.on("feed", "k", (message: ChatView) => message.text);
// @ts-expect-error the handler comes last
t.on("chat", () => {}, "lobby");

// ---- notify takes what the type carries ----------------------------------------------------------
const sent: Promise<void> = t.notify("chat", "lobby", { from: "alice", text: "hi" }, { notForMe: true });
t.notify("feed", "news", { headline: "out now" }, { notForIdentity: "bob" });
t.notify("probe", "k", 42);
// @ts-expect-error a chat message needs its text
t.notify("chat", "lobby", { from: "alice" });
// @ts-expect-error a headline is no chat message
t.notify("chat", "lobby", { headline: "x" });
// @ts-expect-error "news" is no type of the map
t.notify("news", "k", {});
// @ts-expect-error no such option
t.notify("probe", "k", 1, { notForYou: true });

// ---- listens are on the map's types --------------------------------------------------------------
t.listen("chat", "lobby").then(() => t.listening("chat", "lobby"));
t.unlisten("feed", "news");
// @ts-expect-error "news" is no type of the map
t.listen("news", "k");
// @ts-expect-error nor here
t.listening("news", "k");
const held: ("chat" | "feed" | "probe")[] = t.listens().map((l) => l.type);
t.onListen((change) => {
  const type: keyof Types = change.type;
  const listening: boolean = change.listening;
});
t.onNotification((data, meta) => {
  const type: keyof Types = meta.type;
  // data is whatever any type carries: here unknown, as probe carries unknown
  // @ts-expect-error so it must be narrowed before use
  data.text;
});
const chatAndFeed = connect<{ chat: ChatView; feed: Headline }>();
chatAndFeed.onNotification((data) => {
  const either: ChatView | Headline = data;
});

// ---- the rest -------------------------------------------------------------------------------------
const state: TidingsState = t.state;
const all: readonly TidingsState[] = STATES;
const client: string | null = t.clientId;
const last: number | string | null = t.lastEventId;
const ready: Promise<string> = t.ready();
t.onState((now, before) => now === "open" && before !== "closed");
t.onMissed((missed) => missed.reason === "new-process");
t.onError((error) => {
  const status: number = error.status;
  const code: string = error.error;
  const isError: Error = error;
});
const closed: Promise<void> = t.close();
const refused = new TidingsError(404, "unknown_type", "no such type");
// @ts-expect-error the handler gets a TidingsError, not a string
t.onError((error: string) => error);

// ---- without a map: any type, any data ------------------------------------------------------------
const loose = connect({ identity: "bob" });
loose.on("anything", "k", (data, meta) => {
  data.whatever.goes;
  const m: NotificationMeta = meta;
});
loose.notify("anything", "k", { any: "thing" });
loose.listen("whatever", "k");
const typed: Tidings<Types> = new Tidings<Types>({ url: "https://tidings.example" });

// ---- the parser -------------------------------------------------------------------------------------
const parser = new SseParser();
const events: SseEvent[] = parser.push(new TextEncoder().encode("data: x\n\n"));
const rest: SseEvent[] = parser.end();
const retry: number | null = parser.retry;
const first: { type: string; data: string; id: string | null } = events[0];
// @ts-expect-error the parser reads bytes, not text
parser.push("data: x\n\n");
