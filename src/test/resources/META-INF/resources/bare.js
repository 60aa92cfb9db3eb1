// The script of bare.html, in a file of its own: the Content-Security-Policy allows no inline script.
// ?identity=alice&listen=chat:room (repeatable: listened at once, before the stream is open)
// &minDelay=<ms> slows the first reconnect (default 100).
// JWT mode: ?token=<jwt> instead of identity; &tokenFunction=1 passes it as an async function;
// ?tokens=<jwt>,<jwt>,… passes a function that hands them out one per call (the last one for good).
import * as tidings from "/tidings.js";

const params = new URLSearchParams(location.search);
const events = [];       // state changes, missed, listen confirmations, errors, listen results
const got = [];          // every notification: {type, key, id, data}
const token = params.get("token");
const tokens = params.get("tokens")?.split(",");
const t = tidings.connect({
  identity: params.get("identity") ?? undefined,
  token: tokens ? async () => (tokens.length > 1 ? tokens.shift() : tokens[0])
    : token == null ? undefined : params.get("tokenFunction") ? async () => token : token,
  minDelay: Number(params.get("minDelay") ?? 100),
  maxDelay: Math.max(2000, Number(params.get("minDelay") ?? 0)),
});
t.onState((state) => events.push({ kind: "state", state }));
t.onMissed((m) => events.push({ kind: "missed", reason: m.reason }));
t.onListen((l) => events.push({ kind: "listen", type: l.type, key: l.key, listening: l.listening }));
t.onError((e) => events.push({ kind: "error", status: e.status, error: e.error }));
t.onNotification((data, meta) => got.push({ type: meta.type, key: meta.key, id: meta.id, data }));

const early = [];
for (const spec of params.getAll("listen")) {
  const [type, key] = [spec.slice(0, spec.indexOf(":")), spec.slice(spec.indexOf(":") + 1)];
  const stateWhenCalled = t.state;
  early.push(t.listen(type, key).then(
    () => events.push({ kind: "listened", type, key, stateWhenCalled }),
    (e) => events.push({ kind: "listen-failed", type, key, status: e.status, error: e.error })));
}

window.bare = { tidings, t, events, got, early };
document.body.dataset.loaded = "true";
