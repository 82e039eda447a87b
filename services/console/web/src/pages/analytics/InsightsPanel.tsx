// Get AI Insights: asks the insights engine for recommendations from the account's hourly patterns
// and shows each with the numbers it cites (the Dashboard card's InsightsList).
import { Button, Group, Paper, Text } from "@mantine/core";
import { useState } from "react";
import { InsightsList, type Insights } from "../../components/InsightsList";
import { ErrorState } from "../../components/States";
import { postInsights } from "./api";

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
      {insights && <InsightsList insights={insights} />}
    </Paper>
  );
}
