// The page's own texts come from the server, in the language it answers in (`texts` of
// GET /app/api/plans: the `page_*` texts of the content's ui.yaml), with the languages the page
// may switch to (`languages`), so a language added to the content needs nothing here.
// Until that first answer only BOOT's few texts can show (loading, a failed connection, the
// page opened outside Telegram), in Danish or English by the browser's language.
export type Key =
  | "language_name"
  | "title"
  | "loading"
  | "plan"
  | "plans"
  | "timeline"
  | "reflections"
  | "views"
  | "filters"
  | "mine"
  | "this_month"
  | "stuck"
  | "empty"
  | "empty_filtered"
  | "add"
  | "edit"
  | "edit_title"
  | "add_title"
  | "save"
  | "saved"
  | "added"
  | "deleted"
  | "back"
  | "cancel"
  | "delete"
  | "confirm_delete"
  | "delete_ask"
  | "goal"
  | "subgoals"
  | "actions"
  | "who"
  | "when"
  | "due"
  | "no_date"
  | "precision"
  | "day"
  | "week"
  | "plus_week"
  | "status"
  | "focus"
  | "other_focus"
  | "goal_required"
  | "not_started"
  | "in_progress"
  | "done"
  | "no_reflections"
  | "no_events"
  | "week_short"
  | "late"
  | "meeting"
  | "deadline"
  | "network"
  | "outside"
  | "read_only"
  | "step"
  | "nobody"
  | "no_due";

export type Texts = Partial<Record<Key, string>>;
export interface Language {
  code: string;
  name: string; // in its own words: "Dansk", "English"
}

const BOOT: Record<"da" | "en", Texts> = {
  da: {
    title: "Handleplan",
    loading: "Henter planen …",
    network: "Forbindelsen svigtede. Prøv igen.",
    outside: "Åbn siden fra Telegram for at se jeres plan.",
  },
  en: {
    title: "Action plan",
    loading: "Loading the plan …",
    network: "The connection failed. Please try again.",
    outside: "Open this page from Telegram to see your plan.",
  },
};

/** The language to show before the server answers: Danish for a Danish browser, else English. */
export function bootLang(code: string): "da" | "en" {
  return code.toLowerCase().startsWith("da") ? "da" : "en";
}

export function bootTexts(code: string): Texts {
  return BOOT[bootLang(code)];
}

/** ISO 8601 week-numbering year and week of a date "YYYY-MM-DD". */
export function isoWeek(iso: string): [number, number] {
  const [y, m, d] = iso.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const day = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86400000 + 1) / 7);
  return [date.getUTCFullYear(), week];
}

export function addDays(iso: string, days: number): string {
  const [y, m, d] = iso.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d + days));
  return date.toISOString().slice(0, 10);
}
