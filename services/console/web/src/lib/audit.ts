/** "webhookUrl: a → b; role: user": what an audit entry changed, in one line. */
export function describeChanges(changes: Record<string, unknown>): string {
  return Object.entries(changes)
    .map(([key, value]) => {
      if (value && typeof value === "object" && "from" in value && "to" in value) {
        const { from, to } = value as { from: unknown; to: unknown };
        return `${key}: ${show(from)} → ${show(to)}`;
      }
      return `${key}: ${show(value)}`;
    })
    .join("; ");
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}
