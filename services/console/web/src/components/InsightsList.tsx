// AI insights as a list: each recommendation's title, severity, text and the computed numbers it
// cites (its facts, written the way its text writes them). Used by the Dashboard's AI insights card
// and Campaign Intelligence's "Get AI Insights".
import { Alert, Badge, Group, Stack, Text } from "@mantine/core";
import type { Schemas } from "../api/client";

export type Insight = Schemas["Insight"];
export type Insights = Schemas["Insights"];
type FactValue = Insight["facts"][string];

/** The engine line under the list: which engine wrote the texts. */
export function engineNote(insights: Pick<Insights, "engine" | "model">): string {
  if (insights.engine === "llm") return `Written by ${insights.model ?? "the configured model"} from the computed numbers`;
  return "Computed by the built-in engine from your traffic";
}

const UNITS: [suffix: string, unit: string][] = [
  ["_pct", "%"],
  ["_pp", " pp"],
];

/** A fact's label: `window_rate_pct` -> "Window rate", `gap_pp` -> "Gap", `channel_messages_7d` -> "Channel messages 7d". */
export function factLabel(key: string): string {
  const unit = UNITS.find(([suffix]) => key.endsWith(suffix));
  const bare = unit ? key.slice(0, -unit[0].length) : key;
  const words = bare.split("_").join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A fact's value as the insight's text writes it: ints grouped by thousands, other numbers to one
 * decimal, percentages with %, percentage points with pp; strings as they are. */
export function factValue(key: string, value: FactValue): string {
  if (typeof value !== "number") return String(value);
  const unit = UNITS.find(([suffix]) => key.endsWith(suffix))?.[1] ?? "";
  const shown = Number.isInteger(value) && !unit ? value.toLocaleString("en-US") : value.toFixed(1);
  return `${shown}${unit}`;
}

export function factEntries(facts: Insight["facts"]): { key: string; label: string; value: string }[] {
  return Object.entries(facts).map(([key, value]) => ({ key, label: factLabel(key), value: factValue(key, value) }));
}

export const SEVERITY: Record<Insight["severity"], { color: string; label: string }> = {
  warning: { color: "orange", label: "Warning" },
  info: { color: "blue", label: "Info" },
};

export function InsightsList({ insights, empty }: { insights: Insights; empty?: string }) {
  if (insights.insights.length === 0) {
    return <Text c="dimmed">{empty ?? "No recommendations yet: there is not enough traffic to go on."}</Text>;
  }
  return (
    <Stack gap="xs" data-testid="insights-list">
      {insights.insights.map((insight, n) => (
        <InsightItem key={`${insight.kind}-${n}`} insight={insight} />
      ))}
      <Text size="xs" c="dimmed">
        {engineNote(insights)}
      </Text>
    </Stack>
  );
}

function InsightItem({ insight }: { insight: Insight }) {
  const severity = SEVERITY[insight.severity];
  return (
    <Alert
      color={severity.color}
      data-testid="insight"
      data-kind={insight.kind}
      title={
        <Group gap="xs">
          <span>{insight.title}</span>
          <Badge size="xs" color={severity.color} variant="filled">
            {severity.label}
          </Badge>
        </Group>
      }
    >
      <Text size="sm">{insight.text}</Text>
      <Group gap={4} mt={6} aria-label="The numbers this insight cites">
        {factEntries(insight.facts).map((f) => (
          <Badge key={f.key} variant="light" color="gray" tt="none" data-fact={f.key}>
            {f.label}: {f.value}
          </Badge>
        ))}
      </Group>
    </Alert>
  );
}
