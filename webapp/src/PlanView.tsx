// The plan grouped by focus, one card per item, with the three filters.
import type { Item, Plan } from "./api";
import { StatusChip } from "./Chip";
import type { Key } from "./i18n";

export const PLAN_HEADING = "plan-heading";

export interface Filters {
  mine: boolean;
  month: boolean;
  stuck: boolean;
}

/** An item's deadline as the server wrote it, in the page's language (the page asks with `?lang=`). */
export function itemDue(item: Item): string {
  return item.due ? item.due_label || item.due : "";
}

function matches(item: Item, filters: Filters, today: string): boolean {
  if (filters.mine && !item.mine) return false;
  if (filters.stuck && item.status !== "stuck") return false;
  if (filters.month && !(item.due && item.due.slice(0, 7) === today.slice(0, 7))) return false;
  return true;
}

interface Props {
  plan: Plan;
  t: (k: Key) => string;
  filters: Filters;
  setFilters: (f: Filters) => void;
  onEdit: (item: Item) => void;
}

export function PlanView({ plan, t, filters, setFilters, onEdit }: Props) {
  const shown = plan.items.filter((i) => matches(i, filters, plan.today));
  const groups = new Map<string, { label: string; items: Item[] }>();
  for (const item of shown) {
    const key = item.focus || item.focus_label;
    const group = groups.get(key) ?? { label: item.focus_label || item.focus, items: [] };
    group.items.push(item);
    groups.set(key, group);
  }
  const toggle = (name: keyof Filters) => setFilters({ ...filters, [name]: !filters[name] });
  return (
    <section aria-labelledby="plan-heading">
      <h2 id={PLAN_HEADING} class="visually-hidden" tabIndex={-1}>
        {t("plan")}
      </h2>
      <div class="filters" role="group" aria-label={t("filters")}>
        {(["mine", "month", "stuck"] as const).map((name) => (
          <button
            type="button"
            key={name}
            class="filter"
            aria-pressed={filters[name]}
            onClick={() => toggle(name)}
          >
            {t(name === "month" ? "this_month" : name)}
          </button>
        ))}
      </div>
      {shown.length === 0 && (
        <p class="empty">{plan.items.length ? t("empty_filtered") : t("empty")}</p>
      )}
      {[...groups.values()].map((group) => (
        <section class="group" key={group.label}>
          <h3 class="group-title">{group.label}</h3>
          <ul class="cards">
            {group.items.map((item) => (
              <li key={item.id}>
                <Card item={item} t={t} onEdit={onEdit} />
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}

function Card({ item, t, onEdit }: { item: Item; t: (k: Key) => string; onEdit: (i: Item) => void }) {
  const due = itemDue(item);
  const title = item.actions[0] || item.goal;
  return (
    <article id={`card-${item.id}`} class={`card status-${item.status}`} tabIndex={-1}>
      <div class="card-head">
        <h4 class="card-title">{title}</h4>
        <StatusChip status={item.status} t={t} />
      </div>
      {item.goal && item.goal !== title && (
        <p class="card-goal">
          <span class="label">{t("goal")}:</span> {item.goal}
        </p>
      )}
      {item.actions.length > 1 && (
        <ul class="card-actions">
          {item.actions.slice(1).map((a, n) => (
            <li key={n}>{a}</li>
          ))}
        </ul>
      )}
      <dl class="card-meta">
        <div>
          <dt>{t("who")}</dt>
          <dd>{item.who || t("nobody")}</dd>
        </div>
        <div>
          <dt>{t("when")}</dt>
          <dd>{due || t("no_due")}</dd>
        </div>
      </dl>
      <div class="card-foot">
        <span class="source">{item.kind === "step" ? t("step") : item.source_label}</span>
        {item.editable.length > 0 && (
          <button type="button" id={`edit-${item.id}`} class="link-button" onClick={() => onEdit(item)} aria-label={`${t("edit")}: ${title}`}>
            {t("edit")}
          </button>
        )}
      </div>
    </article>
  );
}
