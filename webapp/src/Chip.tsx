import type { Status } from "./api";
import type { Key } from "./i18n";

export function StatusChip({ status, t }: { status: Status; t: (k: Key) => string }) {
  return <span class={`chip chip-${status}`}>{t(status)}</span>;
}
