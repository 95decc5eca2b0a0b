// The page's own texts, Danish first. The server's labels (due_label, focus_label, messages)
// come in the user's chat language; these are only the page's frame around them.
export type Lang = "da" | "en";

const da = {
  title: "Handleplan",
  loading: "Henter planen …",
  plan: "Plan",
  plans: "Vælg plan",
  timeline: "Tidslinje",
  reflections: "Refleksioner",
  views: "Visning",
  filters: "Vis kun",
  mine: "Mine",
  thisMonth: "Denne måned",
  stuck: "Kørt fast",
  empty: "Ingen punkter her endnu. Tilføj jeres første.",
  emptyFiltered: "Ingen punkter passer til filteret.",
  add: "Tilføj punkt",
  edit: "Ret",
  editTitle: "Ret punkt",
  addTitle: "Nyt punkt",
  save: "Gem",
  saved: "Gemt.",
  added: "Tilføjet.",
  deleted: "Slettet.",
  back: "Tilbage",
  cancel: "Fortryd",
  delete: "Slet punkt",
  confirmDelete: "Ja, slet det",
  deleteAsk: "Vil I slette punktet? Det kan ikke fortrydes.",
  goal: "Mål",
  subgoals: "Delmål (ét pr. linje)",
  actions: "Handlinger (én pr. linje)",
  who: "Hvem",
  when: "Hvornår",
  due: "Frist",
  noDate: "Ingen frist",
  precision: "Hvor præcis",
  day: "Dag",
  week: "Uge",
  plusWeek: "+1 uge",
  status: "Status",
  focus: "Fokus",
  otherFocus: "Andet fokus",
  goalRequired: "Skriv et mål.",
  not_started: "Ikke startet",
  in_progress: "I gang",
  done: "Gjort",
  noReflections: "Ingen svar endnu.",
  noEvents: "Intet de næste uger.",
  weekShort: "Uge",
  late: "overskredet",
  meeting: "Opfølgningsmøde",
  deadline: "Frist",
  network: "Forbindelsen svigtede. Prøv igen.",
  outside: "Åbn siden fra Telegram for at se jeres plan.",
  language: "English",
  readOnly: "Kun til læsning",
  step: "Første skridt",
  nobody: "ikke fordelt",
  noDue: "uden frist",
} as const;

export type Key = keyof typeof da;

const en: Record<Key, string> = {
  title: "Action plan",
  loading: "Loading the plan …",
  plan: "Plan",
  plans: "Choose plan",
  timeline: "Time line",
  reflections: "Reflections",
  views: "View",
  filters: "Show only",
  mine: "Mine",
  thisMonth: "This month",
  stuck: "Stuck",
  empty: "No items yet. Add your first one.",
  emptyFiltered: "No items match the filter.",
  add: "Add item",
  edit: "Edit",
  editTitle: "Edit item",
  addTitle: "New item",
  save: "Save",
  saved: "Saved.",
  added: "Added.",
  deleted: "Deleted.",
  back: "Back",
  cancel: "Cancel",
  delete: "Delete item",
  confirmDelete: "Yes, delete it",
  deleteAsk: "Delete this item? This cannot be undone.",
  goal: "Goal",
  subgoals: "Sub-goals (one per line)",
  actions: "Actions (one per line)",
  who: "Who",
  when: "When",
  due: "Deadline",
  noDate: "No deadline",
  precision: "How precise",
  day: "Day",
  week: "Week",
  plusWeek: "+1 week",
  status: "Status",
  focus: "Focus",
  otherFocus: "Other focus",
  goalRequired: "Write a goal.",
  not_started: "Not started",
  in_progress: "In progress",
  done: "Done",
  noReflections: "No answers yet.",
  noEvents: "Nothing in the coming weeks.",
  weekShort: "Week",
  late: "overdue",
  meeting: "Follow-up meeting",
  deadline: "Deadline",
  network: "The connection failed. Please try again.",
  outside: "Open this page from Telegram to see your plan.",
  language: "Dansk",
  readOnly: "Read only",
  step: "First step",
  nobody: "not assigned",
  noDue: "no deadline",
};

export const texts: Record<Lang, Record<Key, string>> = { da, en };

export function asLang(value: unknown): Lang {
  return value === "en" ? "en" : "da";
}

/** A deadline in the reader's language, for when the page's language differs from the API's. */
export function dueLabel(iso: string, precision: string | null, lang: Lang): string {
  const [y, m, d] = iso.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  const locale = lang === "da" ? "da-DK" : "en-GB";
  if (precision === "week") {
    const [wy, wk] = isoWeek(iso);
    return `${lang === "da" ? "uge" : "week"} ${wk} (${wy})`;
  }
  const opts: Intl.DateTimeFormatOptions =
    precision === "month"
      ? { month: "long", year: "numeric", timeZone: "UTC" }
      : { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" };
  return new Intl.DateTimeFormat(locale, opts).format(date);
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
