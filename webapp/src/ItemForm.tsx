// One item's form: edit (only the fields the server lists as editable) or add a new row.
import { useEffect, useRef, useState } from "preact/hooks";
import { STATUSES, type Fields, type Item, type Plan, type Precision, type Status } from "./api";
import { addDays, type Key } from "./i18n";

const ROW_FIELDS = ["goal", "subgoals", "actions", "who", "due", "status", "focus"];

interface Props {
  plan: Plan;
  item: Item | null; // null: a new row
  t: (k: Key) => string;
  busy: boolean;
  native: boolean;
  fieldError: string | null;
  onSave: (fields: Fields) => void;
  onDelete: () => void;
  onCancel: () => void;
}

const lines = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);

export const FORM_ID = "item-form";

export function ItemForm({ plan, item, t, busy, native, fieldError, onSave, onDelete, onCancel }: Props) {
  const editable = new Set(item ? item.editable : ROW_FIELDS);
  const focusLabel = item ? item.focus_label || item.focus : plan.focus_options[0]?.label ?? "";
  const [goal, setGoal] = useState(item?.goal ?? "");
  const [subgoals, setSubgoals] = useState((item?.subgoals ?? []).join("\n"));
  const [actions, setActions] = useState((item?.actions ?? []).join("\n"));
  const [who, setWho] = useState(item?.who ?? "");
  const [due, setDue] = useState(item?.due ?? "");
  const [precision, setPrecision] = useState<Precision>(item?.precision ?? "day");
  const [status, setStatus] = useState<Status>(item?.status ?? "not_started");
  const [focus, setFocus] = useState(focusLabel);
  const [asking, setAsking] = useState(false);
  const [missingGoal, setMissingGoal] = useState(false);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    // The question takes the focus (autofocus works only as a page loads); "no" gives it back.
    if (asking) confirmButton.current?.focus();
    else if (asked.current) deleteButton.current?.focus();
    asked.current = asking;
  }, [asking]);

  function submit(event: Event) {
    event.preventDefault();
    if (busy) return;
    if (editable.has("goal") && !goal.trim() && !item) {
      setMissingGoal(true);
      document.getElementById("f-goal")?.focus();
      return;
    }
    const fields: Fields = {};
    const put = <K extends keyof Fields>(name: K, value: Fields[K], before: Fields[K]) => {
      if (editable.has(name) && (item === null || JSON.stringify(value) !== JSON.stringify(before)))
        fields[name] = value;
    };
    put("goal", goal.trim(), item?.goal);
    put("subgoals", lines(subgoals), item?.subgoals);
    put("actions", lines(actions), item?.actions);
    put("who", who.trim(), item?.who);
    put("status", status, item?.status);
    const option = plan.focus_options.find((o) => o.label === focus.trim() || o.id === focus.trim());
    put("focus", option ? option.id : focus.trim(), item?.focus);
    if (editable.has("due") && (item === null || due !== (item.due ?? "") || (due && precision !== item.precision))) {
      fields.due = due || null;
      fields.precision = precision;
    }
    onSave(fields);
  }

  const err = (name: string) => (fieldError === name ? "field-error" : undefined);
  return (
    <form id={FORM_ID} class="form" onSubmit={submit} aria-busy={busy} noValidate>
      <h2 class="section-title">{item ? t("edit_title") : t("add_title")}</h2>
      {item && item.editable.length < ROW_FIELDS.length && (
        <p class="hint">{item.actions[0] || item.goal}</p>
      )}
      {editable.has("focus") && (
        <label class={err("focus")}>
          <span>{t("focus")}</span>
          <input list="focus-options" value={focus} maxLength={200} onInput={(e) => setFocus(e.currentTarget.value)} />
          <datalist id="focus-options">
            {plan.focus_options.map((o) => (
              <option key={o.id} value={o.label} />
            ))}
          </datalist>
        </label>
      )}
      {editable.has("goal") && (
        <label class={err("goal")}>
          <span>{t("goal")}</span>
          <textarea
            id="f-goal"
            rows={2}
            maxLength={500}
            value={goal}
            aria-invalid={missingGoal || fieldError === "goal"}
            aria-describedby={missingGoal ? "goal-missing" : undefined}
            onInput={(e) => {
              setGoal(e.currentTarget.value);
              setMissingGoal(false);
            }}
          />
          {missingGoal && (
            <span id="goal-missing" class="error-text">
              {t("goal_required")}
            </span>
          )}
        </label>
      )}
      {editable.has("subgoals") && (
        <label class={err("subgoals")}>
          <span>{t("subgoals")}</span>
          <textarea rows={3} value={subgoals} onInput={(e) => setSubgoals(e.currentTarget.value)} />
        </label>
      )}
      {editable.has("actions") && (
        <label class={err("actions")}>
          <span>{t("actions")}</span>
          <textarea rows={3} value={actions} onInput={(e) => setActions(e.currentTarget.value)} />
        </label>
      )}
      {editable.has("who") && (
        <label class={err("who")}>
          <span>{t("who")}</span>
          <input value={who} maxLength={200} autoComplete="off" onInput={(e) => setWho(e.currentTarget.value)} />
        </label>
      )}
      {editable.has("due") && (
        <fieldset class={`due ${err("due") ?? ""}`}>
          <legend>{t("due")}</legend>
          <label>
            <span class="visually-hidden">{t("due")}</span>
            <input type="date" name="due" value={due} onInput={(e) => setDue(e.currentTarget.value)} />
          </label>
          <div class="due-row">
            <button type="button" class="small" onClick={() => setDue(addDays(due || plan.today, 7))}>
              {t("plus_week")}
            </button>
            <button type="button" class="small" disabled={!due} onClick={() => setDue("")}>
              {t("no_date")}
            </button>
          </div>
          <label>
            <span>{t("precision")}</span>
            <select value={precision} onChange={(e) => setPrecision(e.currentTarget.value as Precision)}>
              {(["day", "week"] as const).map((p) => (
                <option key={p} value={p}>
                  {t(p)}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
      )}
      {editable.has("status") && (
        <fieldset class="status-toggle">
          <legend>{t("status")}</legend>
          <div class="segments">
            {STATUSES.map((s) => (
              <label key={s} class={`segment chip-${s}`}>
                <input type="radio" name="status" value={s} checked={status === s} onChange={() => setStatus(s)} />
                <span>{t(s)}</span>
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div class={native ? "form-buttons native" : "form-buttons"}>
        <button type="submit" class="primary" disabled={busy}>
          {t("save")}
        </button>
        <button type="button" onClick={onCancel}>
          {t("cancel")}
        </button>
      </div>
      {item && plan.can_delete && (
        <div class="danger-zone">
          {!asking ? (
            <button type="button" class="danger" ref={deleteButton} onClick={() => setAsking(true)}>
              {t("delete")}
            </button>
          ) : (
            <div
              role="alertdialog"
              aria-labelledby="delete-ask"
              class="confirm"
              onKeyDown={(e) => {
                if (e.key !== "Escape") return;
                e.preventDefault(); // Escape answers the question "no", the form stays
                setAsking(false);
              }}
            >
              <p id="delete-ask">{t("delete_ask")}</p>
              <button type="button" class="danger" disabled={busy} onClick={onDelete} ref={confirmButton}>
                {t("confirm_delete")}
              </button>
              <button type="button" onClick={() => setAsking(false)}>
                {t("cancel")}
              </button>
            </div>
          )}
        </div>
      )}
    </form>
  );
}
