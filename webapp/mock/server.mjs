// Dev only (never shipped): a tiny stand-in for the bot's /app/ routes (docs/WEBAPP.md), so
// the page can be looked at before the server exists. No authentication: never expose it.
// Usage: npm run build && npm run mock  ->  http://127.0.0.1:5174/app/#tgWebAppData=...
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const STATIC = fileURLToPath(new URL("../../bot/webapp/static/", import.meta.url));
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
const today = "2026-11-30";
const plan = JSON.parse(readFileSync(new URL("./plan.json", import.meta.url), "utf8"));
// The page's texts as the bot sends them: the `page_*` lines of the Danish content's ui.yaml
// (each a one-line quoted string there).
const UI = readFileSync(new URL("../../content/da/ui.yaml", import.meta.url), "utf8");
const texts = Object.fromEntries(
  [...UI.matchAll(/^page_([a-z_]+): (".*")$/gm)].map(([, key, value]) => [key, JSON.parse(value)]),
);
let next = 100;

function send(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

function change(body) {
  const items = plan.items;
  if (body.op === "add") {
    if (!body.fields?.goal) return [400, { error: "bad_value", field: "goal", message: "Skriv et mål." }];
    items.push({
      id: `plan-r${next++}`, kind: "row", focus: body.fields.focus ?? "", focus_label: body.fields.focus ?? "",
      goal: "", subgoals: [], actions: [], who: "", due: null, precision: "day", due_label: "",
      status: "not_started", source_label: "Trin 3: Handleplan", mine: true,
      editable: ["goal", "subgoals", "actions", "who", "due", "status", "focus"], ...body.fields,
    });
    return [201, plan];
  }
  const item = items.find((i) => i.id === body.item);
  if (!item) return [404, { error: "no_plan", message: "Punktet findes ikke." }];
  if (body.op === "delete") {
    if (!plan.can_delete) return [403, { error: "not_admin", message: "Kun administratorer kan slette." }];
    plan.items = items.filter((i) => i !== item);
  } else {
    Object.assign(item, body.fields);
    if (item.due) item.due_label = item.due;
  }
  return [200, plan];
}

createServer((req, res) => {
  const url = new URL(req.url, "http://x");
  if (url.pathname === "/app/api/plans")
    return send(res, 200, { lang: "da", languages: [{ code: "da", name: "Dansk" }], texts, user: { id: 42, name: "Ane" }, plans: [{ chat: "42", title: plan.title, kind: "private", admin: true }] });
  if (url.pathname === "/app/api/plan") return send(res, 200, { ...plan, today });
  if (url.pathname === "/app/api/change" && req.method === "POST") {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => send(res, ...change(JSON.parse(data))));
    return;
  }
  const rel = url.pathname.replace(/^\/app\/?/, "") || "index.html";
  try {
    const body = readFileSync(join(STATIC, normalize(rel).replace(/^(\.\.[/\\])+/, "")));
    res.writeHead(200, { "Content-Type": TYPES[extname(rel)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
}).listen(5174, "127.0.0.1", () => console.log("mock on http://127.0.0.1:5174/app/"));
