// The script of native.html: a plain EventSource on /notif/stream with this page's query
// (?identity=bob&listen=chat:room…), and nothing else: it reconnects by itself, sending
// Last-Event-ID, as any EventSource does.
const seen = { opens: 0, errors: 0, ready: [], got: [], missed: [], closed: [] };
const source = new EventSource("/notif/stream" + location.search);
source.addEventListener("open", () => { seen.opens++; });
source.addEventListener("error", () => { seen.errors++; });
source.addEventListener("ready", (e) => { seen.ready.push(JSON.parse(e.data).client); });
source.addEventListener("notification", (e) => { seen.got.push({ id: e.lastEventId, ...JSON.parse(e.data) }); });
source.addEventListener("missed", (e) => { seen.missed.push(JSON.parse(e.data)); });
source.addEventListener("closed", (e) => { seen.closed.push(JSON.parse(e.data).reason); });
window.seen = seen;
window.source = source;
document.body.dataset.loaded = "true";
