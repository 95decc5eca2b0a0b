// The reflections, read only: each step's questions with the answers given in the chat.
import type { Plan } from "./api";
import type { Key } from "./i18n";

export function Reflections({ plan, t }: { plan: Plan; t: (k: Key) => string }) {
  return (
    <section aria-labelledby="refl-heading">
      <h2 id="refl-heading" class="section-title">
        {t("reflections")} <span class="badge">{t("read_only")}</span>
      </h2>
      {plan.reflections.length === 0 && <p class="empty">{t("no_reflections")}</p>}
      {plan.reflections.map((r) => (
        <details class="reflection" key={r.title} open={plan.reflections.length === 1}>
          <summary>{r.title}</summary>
          <dl>
            {r.answers.map((a, n) => (
              <div key={n} class="qa">
                <dt>{a.question}</dt>
                <dd>
                  {a.answer}
                  {a.by && <span class="by"> — {a.by}</span>}
                </dd>
              </div>
            ))}
          </dl>
        </details>
      ))}
    </section>
  );
}
