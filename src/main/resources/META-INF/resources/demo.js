// The demo page at /: chat rooms with private messages and a feed, on tidings.js.
// URL parameters: ?as=<identity>&rooms=lobby,dev&feeds=news (rooms and feeds to join at once).
import { connect } from "./tidings.js";

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

let client = null;
let starts = 0;          // a Connect pressed again while the last one still closes its client wins
let identity = params.get("as") || sessionStorage.getItem("tidings.identity")
  || NAMES[Math.floor(Math.random() * NAMES.length)] + "-" + Math.floor(Math.random() * 100);
const rooms = new Set(list(params.get("rooms") ?? "lobby"));
const feeds = new Set(list(params.get("feeds") ?? "news"));
const people = new Set();

function list(text) {
  return text.split(",").map((s) => s.trim()).filter(Boolean);
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c);
  return node;
}

function log(text, kind = "info") {
  const item = el("li", { "data-kind": kind }, new Date().toLocaleTimeString() + " " + text);
  $("log").prepend(item);
  while ($("log").children.length > 100) $("log").lastChild.remove();
}

function scrollDown(list) {
  list.scrollTop = list.scrollHeight;
}

// ---- connection --------------------------------------------------------------------------------

async function start(name) {
  const mine = ++starts;
  if (client) {
    const old = client;
    client = null;
    await old.close().catch((e) => log("closing the old connection: " + e.message, "error"));
    if (mine !== starts) return;
  }
  identity = name;
  sessionStorage.setItem("tidings.identity", name);
  params.set("as", name);
  history.replaceState(null, "", "?" + params.toString());
  $("identity").value = name;
  document.title = "Tidings demo: " + name;
  $("missed").hidden = true;

  const c = connect({ identity: name });
  client = c;
  window.tidingsDemo.client = c;
  showState(c.state);
  showChips(c);
  c.onState((state) => {
    showState(state);
    showChips(c); // closed: no room is listened any more, though the page keeps them to join again
    log("connection " + state + (state === "open" ? " as " + name : ""));
    $("client").textContent = c.clientId ? "client " + c.clientId.slice(0, 8) + "…" : "";
  });
  c.onMissed(({ reason, why, type, key }) => {
    $("missed").hidden = false;
    log(reason === "new-process"
      ? "reconnected as a new client process and listened again: messages sent meanwhile are lost"
      : type != null ? "messages on " + type + " " + key + " may be missing (" + why + ")"
        : "the server dropped some notifications for this tab", "missed");
  });
  c.onListen(({ type, key, listening }) => {
    log((listening ? "listening on " : "stopped listening on ") + type + " " + key);
    const chip = chipOf(type, key);
    if (chip) chip.dataset.listening = String(listening);
    if (!listening && !c.listens().some((l) => l.type === type && l.key === key)) {
      // Left by the page, or made to stop by the server (unlisten-identity): follow it.
      setOf(type).delete(key);
      chip?.remove();
      refreshTargets();
    }
  });
  c.onError((e) => log(e.message, "error"));
  c.on("chat", (message, meta) => showMessage(meta.key, message, false));
  c.on("feed", (data, meta) => showFeed(meta.key, data));

  for (const room of rooms) join("chat", room);
  for (const feed of feeds) join("feed", feed);
}

function showState(state) {
  $("state").textContent = state;
  $("state").dataset.state = state;
  $("disconnect").disabled = state === "closed";
}

/** Each chip as the client has it: listening only while the server has confirmed it. */
function showChips(c) {
  for (const type of ["chat", "feed"]) {
    for (const chip of chipsOf(type).children) {
      chip.dataset.listening = String(c.listening(type, chip.dataset.key));
    }
  }
}

// ---- listen / unlisten ------------------------------------------------------------------------

function setOf(type) {
  return type === "chat" ? rooms : feeds;
}

function chipsOf(type) {
  return $(type === "chat" ? "rooms" : "feeds");
}

function chipOf(type, key) {
  return chipsOf(type).querySelector(`li[data-key="${CSS.escape(key)}"]`);
}

function join(type, key) {
  setOf(type).add(key);
  let chip = chipOf(type, key);
  if (!chip) {
    const leave = el("button", { type: "button", title: "unlisten", "aria-label": "leave " + key }, "×");
    chip = el("li", { "data-key": key, "data-listening": "false" }, key, leave);
    leave.addEventListener("click", () => part(type, key));
    chipsOf(type).append(chip);
  }
  refreshTargets();
  const c = client;
  if (!c) return;
  c.listen(type, key).catch((e) => {
    if (e.error === "closed") {
      // Not refused: the client closed first (Disconnect, or Connect as someone else). The page
      // keeps the room, shown as not listening, and the next connection joins it.
      return;
    }
    log(`cannot listen on ${type} ${key}: ${e.message}`, "error");
    setOf(type).delete(key);
    chip.remove();
    refreshTargets();
  });
}

function part(type, key) {
  setOf(type).delete(key);
  refreshTargets();
  const chip = chipOf(type, key);
  if (!client || client.state === "closed") {
    chip?.remove(); // nothing is listened: nothing to undo
    return;
  }
  client.unlisten(type, key).then(() => chip?.remove(), (e) => {
    if (e.error === "closed") chip?.remove(); // closed meanwhile: nothing is listened either
    else log(`cannot unlisten ${type} ${key}: ${e.message}`, "error");
  });
}

function refreshTargets() {
  for (const [select, set] of [[$("send-room"), rooms], [$("feed-target"), feeds]]) {
    const current = select.value;
    select.replaceChildren(...[...set].map((k) => el("option", { value: k }, k)));
    if (set.has(current)) select.value = current;
  }
}

// ---- chat -----------------------------------------------------------------------------------------

function showMessage(room, message, own, to) {
  if (message.from && message.from !== identity && !people.has(message.from)) {
    people.add(message.from);
    $("people").append(el("option", { value: message.from }));
  }
  const item = el("li", {
    class: "msg",
    "data-room": room,
    "data-from": message.from ?? "",
    "data-private": String(!!message.private),
    "data-own": String(own),
  });
  item.append(el("span", { class: "room" }, "#" + room));
  item.append(el("span", { class: "from" }, message.from ?? "?"));
  if (message.private) {
    const label = to ? "(private to " + to + ")" : message.from === identity ? "(private)" : "(private to you)";
    item.append(el("span", { class: "to" }, label));
  }
  item.append(el("span", { class: "text" }, message.text ?? ""));
  $("messages").append(item);
  scrollDown($("messages"));
}

async function send(event) {
  event.preventDefault();
  const room = $("send-room").value;
  const text = $("text").value;
  const to = $("to").value.trim();
  if (!client || !room || !text) return;
  const message = { from: identity, text };
  if (to) message.to = to;
  $("send").disabled = true;
  try {
    // notfor = me: this tab shows its own message at once; the identity's other tabs get it too.
    await client.notify("chat", room, message, { notForMe: true });
    showMessage(room, { from: identity, text, private: !!to }, true, to);
    $("text").value = "";
  } catch (e) {
    log("not sent: " + e.message, "error");
  } finally {
    $("send").disabled = false;
    $("text").focus();
  }
}

// ---- feed -------------------------------------------------------------------------------------------

function showFeed(key, data) {
  const item = el("li", { class: "feed-item", "data-key": key },
    el("span", { class: "room" }, key), JSON.stringify(data));
  $("feed-items").prepend(item);
}

async function publish(event) {
  event.preventDefault();
  const key = $("feed-target").value;
  const text = $("feed-json").value;
  if (!client || !key) return;
  let data;
  try {
    data = JSON.parse(text);
  } catch (e) {
    data = text; // plain text is a JSON string
  }
  try {
    await client.notify("feed", key, data);
    $("feed-json").value = "";
  } catch (e) {
    log("not published: " + e.message, "error");
  }
}

// ---- wiring ---------------------------------------------------------------------------------------

window.tidingsDemo = { client: null };
$("who").addEventListener("submit", (e) => {
  e.preventDefault();
  const name = $("identity").value.trim();
  if (name) start(name);
});
$("disconnect").addEventListener("click", () => client?.close());
$("join").addEventListener("submit", (e) => {
  e.preventDefault();
  const room = $("room").value.trim();
  if (room) join("chat", room);
  $("room").value = "";
  $("send-room").value = room;
});
$("feed-join").addEventListener("submit", (e) => {
  e.preventDefault();
  const key = $("feed-key").value.trim();
  if (key) join("feed", key);
  $("feed-key").value = "";
  $("feed-target").value = key;
});
$("compose").addEventListener("submit", send);
$("feed-publish").addEventListener("submit", publish);

start(identity);
