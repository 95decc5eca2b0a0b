// The page's side of docs/WEBAPP.md: every call carries `Authorization: tma <init data>`,
// every change a fresh request_id. Errors carry the server's message in the user's language.
import type { Language, Texts } from "./i18n";

export type Status = "not_started" | "in_progress" | "done" | "stuck";
export const STATUSES: Status[] = ["not_started", "in_progress", "done", "stuck"];
export type Precision = "day" | "week"; // the bot stores no month precision

export interface PlanRef {
  chat: string;
  title: string;
  kind: "private" | "group";
  admin: boolean;
}
export interface Plans {
  lang: string;
  languages: Language[]; // the page may switch to each; `texts` are in `lang`
  texts: Texts;
  user: { id: number; name: string };
  plans: PlanRef[];
  start?: string | null;
}
export interface Item {
  id: string;
  kind: "row" | "step";
  focus: string;
  focus_label: string;
  goal: string;
  subgoals: string[];
  actions: string[];
  who: string;
  due: string | null;
  precision: Precision | null;
  due_label: string;
  status: Status;
  source_label: string;
  editable: string[];
  mine: boolean;
}
export interface Meeting {
  date: string;
  label: string;
  kind: string;
}
export interface Reflection {
  title: string;
  answers: { question: string; answer: string; by?: string }[];
}
export interface Plan {
  chat: string;
  title: string;
  lang: string;
  admin: boolean;
  can_delete: boolean;
  today: string;
  focus_options: { id: string; label: string }[];
  items: Item[];
  meetings: Meeting[];
  reflections: Reflection[];
}
export type Fields = Partial<{
  goal: string;
  subgoals: string[];
  actions: string[];
  who: string;
  due: string | null;
  precision: Precision;
  status: Status;
  focus: string;
}>;
export interface Change {
  chat: string;
  op: "edit" | "add" | "delete";
  item?: string;
  fields?: Fields;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function requestId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class Api {
  /** The language the page shows: the server answers its labels in it (`?lang=`). */
  lang: string | null = null;

  constructor(
    private readonly initData: string,
    private readonly base = "./api/",
  ) {}

  plans(): Promise<Plans> {
    return this.call("GET", "plans");
  }

  plan(chat: string): Promise<Plan> {
    return this.call("GET", `plan?chat=${encodeURIComponent(chat)}`);
  }

  change(change: Change): Promise<Plan> {
    return this.call("POST", "change", { ...change, request_id: requestId() });
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (this.lang) path += `${path.includes("?") ? "&" : "?"}lang=${this.lang}`;
    const headers: Record<string, string> = { Authorization: `tma ${this.initData}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit",
        cache: "no-store",
      });
    } catch {
      throw new ApiError(0, "network", "");
    }
    let data: unknown = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const err = (data ?? {}) as { error?: unknown; message?: unknown; field?: unknown };
      throw new ApiError(
        response.status,
        typeof err.error === "string" ? err.error : "http",
        typeof err.message === "string" ? err.message : "",
        typeof err.field === "string" ? err.field : undefined,
      );
    }
    return data as T;
  }
}
