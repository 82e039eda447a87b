// Get AI Insights: asks the insights engine for recommendations from the account's hourly patterns
// and shows each with the numbers it cites.
import { Alert, Badge, Button, Group, Paper, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { ErrorState } from "../../components/States";
import { postInsights } from "./api";
import type { Schemas } from "../../api/client";

type Insights = Schemas["Insights"];

export function InsightsPanel() {
  const [busy, setBusy] = useState(false);
  const [insights, setInsights] = useState<Insights | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function ask() {
    setBusy(true);
    setError(null);
    try {
      setInsights(await postInsights());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Paper withBorder p="md" mb="md" aria-label="AI insights" role="region">
      <Group justify="space-between" mb={insights || error ? "sm" : 0}>
        <div>
          <Text fw={600}>AI insights</Text>
          <Text size="xs" c="dimmed">
            Recommendations from your hourly patterns, each with the numbers it is based on.
          </Text>
        </div>
        <Button onClick={ask} loading={busy}>
          Get AI Insights
        </Button>
      </Group>
      {error !== null && <ErrorState error={error} onRetry={ask} />}
      {insights && <InsightsView insights={insights} />}
    </Paper>
  );
}

function InsightsView({ insights }: { insights: Insights }) {
  if (insights.insights.length === 0) return <Text c="dimmed">No recommendations: there is not enough traffic to go on yet.</Text>;
  return (
    <Stack gap="xs" data-testid="insights">
      <Text size="xs" c="dimmed">
        {insights.engine === "llm" ? `Written by ${insights.model ?? "the configured model"} from the computed numbers` : "Computed by the built-in engine"}
      </Text>
      {insights.insights.map((i, n) => (
        <Alert key={n} color={i.severity === "warning" ? "orange" : "blue"} title={i.title} data-testid="insight">
          <Text size="sm">{i.text}</Text>
          <Group gap={4} mt={4}>
            {Object.entries(i.facts).map(([k, v]) => (
              <Badge key={k} variant="light" color="gray" tt="none">
                {k}: {typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : String(v)}
              </Badge>
            ))}
          </Group>
        </Alert>
      ))}
    </Stack>
  );
}
