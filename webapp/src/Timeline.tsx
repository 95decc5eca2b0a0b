// The coming weeks: deadlines of unfinished items and the follow-up meetings, week by week.
import type { Plan } from "./api";
import { addDays, isoWeek, type Key } from "./i18n";
import { itemDue } from "./PlanView";

const WEEKS = 12;

interface Entry {
  date: string;
  kind: "deadline" | "meeting";
  text: string;
  when: string;
  late: boolean;
}

export function Timeline({ plan, t }: { plan: Plan; t: (k: Key) => string }) {
  const end = addDays(plan.today, WEEKS * 7);
  const entries: Entry[] = [];
  for (const item of plan.items) {
    if (!item.due || item.status === "done" || item.due > end) continue;
    entries.push(entry(item.due, item)); // overdue ones show in this week, marked late
  }
  function entry(date: string, item: Plan["items"][number]): Entry {
    const text = item.actions[0] || item.goal;
    return { date, kind: "deadline", text, when: itemDue(item), late: date < plan.today };
  }
  for (const m of plan.meetings) {
    if (m.date < plan.today || m.date > end) continue;
    entries.push({ date: m.date, kind: "meeting", text: t("meeting"), when: m.label, late: false });
  }
  entries.sort((a, b) => a.date.localeCompare(b.date) || a.kind.localeCompare(b.kind));
  const weeks = new Map<string, Entry[]>();
  for (const e of entries) {
    const [y, w] = isoWeek(e.date < plan.today ? plan.today : e.date);
    const key = `${t("week_short")} ${w} (${y})`;
    weeks.set(key, [...(weeks.get(key) ?? []), e]);
  }
  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading" class="visually-hidden">
        {t("timeline")}
      </h2>
      {weeks.size === 0 && <p class="empty">{t("no_events")}</p>}
      <ol class="timeline">
        {[...weeks.entries()].map(([week, list]) => (
          <li key={week} class="week">
            <h3 class="week-title">{week}</h3>
            <ul>
              {list.map((e, n) => (
                <li key={n} class={`event event-${e.kind}${e.late ? " late" : ""}`}>
                  <span class="event-kind">{e.kind === "meeting" ? "◆" : "●"}</span>
                  <span class="event-text">{e.text}</span>
                  <span class="event-when">{e.late ? `${e.when} · ${t("late")}` : e.when}</span>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
    </section>
  );
}
