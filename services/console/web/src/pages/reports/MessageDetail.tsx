import { Badge, Group, Stack, Table, Text, Title } from "@mantine/core";
import { useEffect } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { UpdatedAt, usePolling } from "../../components/LiveRefresh";
import { Empty, Loaded } from "../../components/States";
import { describeError, describeFailure } from "../../lib/errors";
import { dateTime, money, STATUS_COLORS } from "../../lib/format";
import { providerNote } from "../../lib/providerTime";
import { useLoad } from "../../lib/useLoad";

// A message in one of these is settled; until then the detail refreshes itself.
export const FINAL = new Set(["DELIVERED", "READ", "FAILED", "UNDELIVERED"]);
const REFRESH_MS = 2000;

/** What the detail adds to the generated types (reporting keeps the provider's own times
 * beside the shown, causally ordered ones; the console renders each attempt's body). */
type Attempt = Schemas["AttemptOut"] & {
  body?: string | null;
  providerSentAt?: string | null;
  providerDeliveredAt?: string | null;
};
type HistoryRow = Schemas["HistoryOut"] & { providerAt?: string | null; errorDetail?: string | null };

function Time({ shown, provider }: { shown?: string | null; provider?: string | null }) {
  const note = providerNote(shown, provider);
  return (
    <>
      <Text size="sm">{dateTime(shown ?? null)}</Text>
      {note && (
        <Text size="xs" c="dimmed">
          {note}
        </Text>
      )}
    </>
  );
}

/** One message: its attempts (each with the body it carried) and its history, refreshing
 * itself until it settles; `onChange` hears each new status (the list re-reads its row). */
export function MessageDetail({ messageId, onChange }: { messageId: string; onChange?: (status: string) => void }) {
  const state = useLoad(
    async () => unwrap(await api.GET("/api/reports/{message_id}", { params: { path: { message_id: messageId } } })),
    [messageId],
  );
  const status = state.data?.message.status;
  const settled = status ? FINAL.has(status) : false;
  const updatedAt = usePolling(state.refresh, state.data, { everyMs: REFRESH_MS, enabled: !settled });
  useEffect(() => {
    if (status) onChange?.(status);
  }, [status, onChange]);
  return (
    <Loaded state={state}>
      {(d) => (
        <Stack>
          <Group justify="space-between">
            <Text size="sm">
              <b>Message</b> {d.message.messageId}
            </Text>
            <UpdatedAt at={updatedAt} onRefresh={state.refresh} />
          </Group>
          <Group>
            <Text size="sm">
              <b>Recipient</b> {d.message.recipient}
            </Text>
            <Badge color={STATUS_COLORS[d.message.status]} data-testid="message-status">
              {d.message.status}
            </Badge>
            <Text size="sm" data-testid="message-channel">
              {FINAL.has(d.message.status) ? "by" : "on"} {d.message.channel}
              {d.message.attempt > 1 ? ` (fallback ${d.message.attempt - 1} of ${d.message.primaryChannel})` : ""}
            </Text>
          </Group>
          {(d.message.errorCode || d.message.errorDetail) && (
            <Text size="sm" c="red" data-testid="message-error">
              {describeFailure(d.message.errorCode, d.message.errorDetail, d.message.channel)}
            </Text>
          )}
          <Title order={5}>Attempts</Title>
          {d.attempts.length === 0 ? <Empty>No attempts yet.</Empty> : <Attempts attempts={d.attempts as Attempt[]} currency={d.message.currency} />}
          <Title order={5}>History</Title>
          {d.history.length === 0 ? (
            <Empty>No status changes yet.</Empty>
          ) : (
            <Table data-testid="message-history">
              <Table.Tbody>
                {(d.history as HistoryRow[]).map((h, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>
                      <Time shown={h.occurredAt} provider={h.providerAt} />
                    </Table.Td>
                    <Table.Td>
                      attempt {h.attempt} · {h.channel}
                    </Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLORS[h.status]}>{h.status}</Badge>
                    </Table.Td>
                    <Table.Td>{h.errorCode ? describeError(h.errorCode, h.channel) : ""}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      )}
    </Loaded>
  );
}

/** The attempts, fixed layout so that it fits the drawer at 1280 px: the error text wraps
 * in its own column and the cost stays visible; each attempt's body on the row under it. */
function Attempts({ attempts, currency }: { attempts: Attempt[]; currency: string | null }) {
  return (
    <Table layout="fixed" data-testid="attempts-table" style={{ wordBreak: "break-word" }}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th w={36}>#</Table.Th>
          <Table.Th w={170}>Channel · Status</Table.Th>
          <Table.Th w={130}>Template</Table.Th>
          <Table.Th w={150}>Sent</Table.Th>
          <Table.Th w={150}>Delivered</Table.Th>
          <Table.Th>Error</Table.Th>
          <Table.Th w={90}>Cost</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {attempts.flatMap((a) => [
          <Table.Tr key={`${a.attempt}`}>
            <Table.Td>{a.attempt}</Table.Td>
            <Table.Td>
              <Text size="sm">{a.channel}</Text>
              <Badge color={STATUS_COLORS[a.status]}>{a.status}</Badge>
            </Table.Td>
            <Table.Td>{a.templateName ?? "—"}</Table.Td>
            <Table.Td>
              <Time shown={a.sentAt} provider={a.providerSentAt} />
            </Table.Td>
            <Table.Td>
              <Time shown={a.deliveredAt} provider={a.providerDeliveredAt} />
            </Table.Td>
            <Table.Td>
              <Text size="sm" data-testid="attempt-error">
                {a.errorCode ? describeFailure(a.errorCode, a.errorDetail, a.channel) : "—"}
              </Text>
            </Table.Td>
            <Table.Td data-testid="attempt-cost">{money(a.costMinor, currency)}</Table.Td>
          </Table.Tr>,
          <Table.Tr key={`${a.attempt}-body`}>
            <Table.Td />
            <Table.Td colSpan={6}>
              <Text size="sm" c={a.body ? undefined : "dimmed"} style={{ whiteSpace: "pre-wrap" }} data-testid="attempt-body">
                {a.body ?? "The message body is not kept for this attempt."}
              </Text>
            </Table.Td>
          </Table.Tr>,
        ])}
      </Table.Tbody>
    </Table>
  );
}
