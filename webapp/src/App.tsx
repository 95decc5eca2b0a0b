// The page: loads the plans this user may open, shows one, and sends each change.
import { useEffect, useRef, useState } from "preact/hooks";
import { Api, ApiError, type Fields, type Item, type Plan, type Plans } from "./api";
import { bootLang, bootTexts, type Key, type Language, type Texts } from "./i18n";
import { FORM_ID, ItemForm } from "./ItemForm";
import { type Filters, PLAN_HEADING, PlanView } from "./PlanView";
import { Reflections } from "./Reflections";
import type { Bridge } from "./tg";
import { Timeline } from "./Timeline";

type View = "plan" | "timeline" | "reflections" | "form";
const TABS: { view: View; key: Key }[] = [
  { view: "plan", key: "plan" },
  { view: "timeline", key: "timeline" },
  { view: "reflections", key: "reflections" },
];

export function App({ bridge }: { bridge: Bridge }) {
  const api = useRef(new Api(bridge.initData)).current;
  const guess = (bridge.languageCode || navigator.language || "").toLowerCase();
  const [lang, setLang] = useState<string>(bootLang(guess));
  const [texts, setTexts] = useState<Texts>(bootTexts(guess));
  const [languages, setLanguages] = useState<Language[]>([]);
  const [plans, setPlans] = useState<Plans | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [view, setView] = useState<View>("plan");
  const [editing, setEditing] = useState<Item | null>(null);
  const [filters, setFilters] = useState<Filters>({ mine: false, month: false, stuck: false });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field: string | null } | null>(null);
  const [notice, setNotice] = useState("");
  // An element's id to focus once the plan shows again (after a save, a delete, a Back).
  const [focusTo, setFocusTo] = useState<string | null>(null);
  const t = (k: Key) => texts[k] ?? "";

  const fail = (e: unknown) => {
    const err = e instanceof ApiError ? e : new ApiError(0, "network", "");
    setError({ text: err.message || t("network"), field: err.field ?? null });
  };

  async function openPlan(chat: string) {
    setBusy(true);
    setError(null);
    try {
      setPlan(await api.plan(chat));
      setView("plan");
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    if (!bridge.initData) return;
    api
      .plans()
      .then((p) => {
        setPlans(p);
        api.lang = p.lang;
        setLang(p.lang);
        setTexts(p.texts);
        setLanguages(p.languages);
        const first = p.start || p.plans[0]?.chat;
        if (first) void openPlan(first);
      })
      .catch(fail);
  }, []);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = plan ? `${plan.title} · ${t("title")}` : t("title");
  }, [lang, plan]);

  function edit(item: Item | null) {
    setEditing(item);
    setError(null);
    setNotice("");
    setView("form");
  }

  function back() {
    if (view === "form" && editing) setFocusTo(`edit-${editing.id}`); // where the edit began
    setView("plan");
    setEditing(null);
    setError(null);
  }

  async function send(op: "edit" | "add" | "delete", fields?: Fields) {
    if (!plan || busy) return;
    setBusy(true);
    setError(null);
    try {
      const next = await api.change({ chat: plan.chat, op, item: editing?.id, fields });
      const added = next.items.find((i) => !plan.items.some((old) => old.id === i.id));
      const target = op === "delete" ? null : op === "add" ? added?.id : editing?.id;
      setFocusTo(target ? `card-${target}` : PLAN_HEADING);
      setPlan(next);
      setNotice(t(op === "add" ? "added" : op === "delete" ? "deleted" : "saved"));
      setView("plan");
      setEditing(null);
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  }

  // Keyboard: Escape leaves the form or a tab, as Telegram's Back button does (an open
  // question inside the form takes its Escape first and prevents this).
  useEffect(() => {
    if (view === "plan") return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented || busy) return;
      e.preventDefault();
      back();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [view, editing, busy]);

  // Focus follows the user back to the list: the edited card, else the list's heading.
  useEffect(() => {
    if (!focusTo || view !== "plan" || !plan) return;
    (document.getElementById(focusTo) ?? document.getElementById(PLAN_HEADING))?.focus();
    setFocusTo(null);
  }, [focusTo, view, plan]);

  // Telegram's own buttons: Back leaves the form or a tab, Main saves or adds.
  useEffect(() => {
    bridge.setBack(view === "plan" ? null : back);
    if (!plan) bridge.setMain(null, null);
    else if (view === "form")
      bridge.setMain(t("save"), () => (document.getElementById(FORM_ID) as HTMLFormElement | null)?.requestSubmit(), busy);
    else if (view === "plan") bridge.setMain(t("add"), () => edit(null), busy);
    else bridge.setMain(null, null);
  }, [view, plan, busy, lang]);

  // The next of the languages the content has; the page's texts and the server's labels (plan
  // title, focus, deadlines) come in it together, when the server answers.
  const next = languages.length > 1 ? languages[(languages.findIndex((l) => l.code === lang) + 1) % languages.length] : null;
  async function switchLang() {
    if (!next || busy) return;
    api.lang = next.code;
    try {
      const [ps, p] = await Promise.all([api.plans(), plan ? api.plan(plan.chat) : Promise.resolve(null)]);
      if (api.lang !== next.code) return; // switched again meanwhile: that answer wins
      setPlans(ps);
      setTexts(ps.texts);
      setLanguages(ps.languages);
      setLang(ps.lang);
      if (p) setPlan(p);
    } catch (e) {
      api.lang = lang;
      fail(e);
    }
  }
  return (
    <div class="page">
      <header class="top">
        <div class="top-row">
          <h1 class="plan-title">{plan?.title ?? t("title")}</h1>
          {next && (
            <button type="button" class="lang" onClick={() => void switchLang()} lang={next.code}>
              {next.name}
            </button>
          )}
        </div>
        {plans && plans.plans.length > 1 && view !== "form" && (
          <label class="switcher">
            <span>{t("plans")}</span>
            <select value={plan?.chat ?? ""} disabled={busy} onChange={(e) => void openPlan(e.currentTarget.value)}>
              {plans.plans.map((p) => (
                <option key={p.chat} value={p.chat}>
                  {p.title}
                </option>
              ))}
            </select>
          </label>
        )}
        {plan && view !== "form" && (
          <nav class="tabs" aria-label={t("views")}>
            {TABS.map((tab) => (
              <button
                type="button"
                key={tab.view}
                class="tab"
                aria-current={view === tab.view ? "page" : undefined}
                onClick={() => {
                  setView(tab.view);
                  setNotice("");
                }}
              >
                {t(tab.key)}
              </button>
            ))}
          </nav>
        )}
      </header>
      <main>
        <p class="notice" role="status" aria-live="polite">
          {notice}
        </p>
        {error && (
          <p class="error" role="alert">
            {error.text}
          </p>
        )}
        {!bridge.initData && <p class="empty">{t("outside")}</p>}
        {bridge.initData && !plan && !error && <p class="empty">{t("loading")}</p>}
        {plan && view === "plan" && (
          <PlanView plan={plan} t={t} filters={filters} setFilters={setFilters} onEdit={edit} />
        )}
        {plan && view === "timeline" && <Timeline plan={plan} t={t} />}
        {plan && view === "reflections" && <Reflections plan={plan} t={t} />}
        {plan && view === "form" && (
          <ItemForm
            key={editing?.id ?? "new"}
            plan={plan}
            item={editing}
            t={t}
            busy={busy}
            native={bridge.native}
            fieldError={error?.field ?? null}
            onSave={(fields) => void send(editing ? "edit" : "add", fields)}
            onDelete={() => void send("delete")}
            onCancel={back}
          />
        )}
      </main>
      {plan && view === "plan" && !bridge.native && (
        <div class="bottom-bar">
          <button type="button" class="primary wide" onClick={() => edit(null)}>
            {t("add")}
          </button>
        </div>
      )}
    </div>
  );
}
