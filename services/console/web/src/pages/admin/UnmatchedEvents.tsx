import { Badge, Group, Paper, Table, Text, Title } from "@mantine/core";
import { UpdatedAt, usePolling } from "../../components/LiveRefresh";
import { useLoad } from "../../lib/useLoad";

/** GET /api/admin/unmatched-events: per connector, provider events answered 200 that matched
 * nothing (a rising count is a mis-set webhook), since the connector started. */
interface UnmatchedEvents {
  connectors: { connector: string; reachable: boolean; counts: { reason: string; meaning: string; count: number }[] }[];
}

async function loadUnmatched(): Promise<UnmatchedEvents> {
  const response = await fetch("/api/admin/unmatched-events", { credentials: "same-origin" });
  if (!response.ok) throw new Error(`unmatched provider events: HTTP ${response.status}`);
  return response.json();
}

export function UnmatchedEventsPanel() {
  const state = useLoad(loadUnmatched, []);
  const updatedAt = usePolling(state.refresh, state.data, { everyMs: 15000 });
  const rows = state.data?.connectors ?? [];
  const total = rows.reduce((sum, c) => sum + c.counts.reduce((s, n) => s + n.count, 0), 0);
  return (
    <Paper withBorder p="sm" mb="md" maw={720} data-testid="unmatched-events">
      <Group justify="space-between" mb={4}>
        <Title order={5}>
          Unmatched provider events <Badge color={total ? "orange" : "gray"}>{total}</Badge>
        </Title>
        <UpdatedAt at={updatedAt} onRefresh={state.refresh} />
      </Group>
      <Text size="xs" c="dimmed" mb="xs">
        Webhooks and receipts answered 200 that matched no message sent here or no event type we know: a rising count
        usually means a provider's webhook points at the wrong platform. The connector's log has the ids.
      </Text>
      {state.error ? (
        <Text size="sm" c="red">
          {String(state.error)}
        </Text>
      ) : (
        <Table withRowBorders={false} verticalSpacing={2}>
          <Table.Tbody>
            {rows.map((c) => (
              <Table.Tr key={c.connector}>
                <Table.Td>{c.connector}</Table.Td>
                {c.reachable ? (
                  c.counts.map((n) => (
                    <Table.Td key={n.reason} title={n.meaning}>
                      {n.reason.replaceAll("_", " ")}: <b>{n.count}</b>
                    </Table.Td>
                  ))
                ) : (
                  <Table.Td colSpan={2}>
                    <Text size="sm" c="dimmed">
                      not reachable
                    </Text>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
