import { Anchor, Badge, Button, Drawer, Group, Pagination, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import { Empty, ErrorState, Loaded, Loading } from "../components/States";
import { describeError, describeFailure } from "../lib/errors";
import { dateTime, money, STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";

const PAGE_SIZE = 20;
type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";
type Status = "SUBMITTED" | "SUBMITTED_OPERATOR" | "DELIVERED" | "READ" | "RETRYING" | "FAILED" | "UNDELIVERED";
const STATUSES: Status[] = ["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED", "READ", "RETRYING", "FAILED", "UNDELIVERED"];

/** datetime-local value (browser's local time) -> ISO instant for the API. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function ReportsPage() {
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [channel, setChannel] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [recipientInput, setRecipient] = useState("");
  const [recipient] = useDebouncedValue(recipientInput.trim(), 300);
  const [campaignInput, setCampaign] = useState("");
  const [campaign] = useDebouncedValue(campaignInput.trim(), 300);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<string | null>(() => new URLSearchParams(window.location.search).get("message"));
  useEffect(() => setPage(1), [from, to, channel, status, recipient, campaign]);

  const filter = {
    from: toIso(from),
    to: toIso(to),
    channel: (channel as Channel) ?? undefined,
    status: (status as Status) ?? undefined,
    recipient: recipient || undefined,
    campaignId: /^\d+$/.test(campaign) ? Number(campaign) : undefined,
  };
  const state = useLoad(
    async () => unwrap(await api.GET("/api/reports", { params: { query: { ...filter, page, pageSize: PAGE_SIZE } } })),
    [from, to, channel, status, recipient, campaign, page],
  );
  const csv = new URLSearchParams(
    Object.entries(filter)
      .filter(([, v]) => v !== undefined && v !== "")
      .map(([k, v]) => [k, String(v)]),
  );

  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>Reports</Title>
        <Button component="a" variant="default" href={`/api/reports/export.csv?${csv}`}>
          Export CSV
        </Button>
      </Group>
      <Group mb="sm" align="flex-end">
        <TextInput label="From" type="datetime-local" value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label="To" type="datetime-local" value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Select label="Channel" clearable data={["SMS", "WHATSAPP", "RCS", "VOICE"]} value={channel} onChange={setChannel} w={140} />
        <Select label="Status" clearable data={STATUSES} value={status} onChange={setStatus} w={200} />
        <TextInput label="Recipient" placeholder="+91…" value={recipientInput} onChange={(e) => setRecipient(e.currentTarget.value)} />
        <TextInput
          label="Campaign"
          placeholder="Campaign ID"
          value={campaignInput}
          onChange={(e) => setCampaign(e.currentTarget.value)}
          error={campaign && !/^\d+$/.test(campaign) ? "a campaign ID is a number" : undefined}
          w={140}
        />
      </Group>
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : !state.data ? (
        <Loading />
      ) : state.data.items.length === 0 ? (
        <Empty>No messages match these filters.</Empty>
      ) : (
        <>
          <Table striped highlightOnHover style={{ opacity: state.loading ? 0.6 : 1 }}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Recipient</Table.Th>
                <Table.Th>Channel</Table.Th>
                <Table.Th miw={170}>Status</Table.Th>
                <Table.Th>Template</Table.Th>
                <Table.Th>Sender ID</Table.Th>
                <Table.Th>Cost</Table.Th>
                <Table.Th>Created At</Table.Th>
                <Table.Th>Sent At</Table.Th>
                <Table.Th>Delivered At</Table.Th>
                <Table.Th>Error Code</Table.Th>
                <Table.Th>Campaign</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {state.data.items.map((m) => (
                <Table.Tr key={m.messageId} style={{ cursor: "pointer" }} onClick={() => setSelected(m.messageId)}>
                  <Table.Td>
                    <Anchor size="sm">{m.recipient}</Anchor>
                  </Table.Td>
                  <Table.Td>
                    {m.channel}
                    {m.attempt > 1 && (
                      <Text size="xs" c="dimmed">
                        fallback {m.attempt - 1} of {m.primaryChannel}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLORS[m.status]}>{m.status}</Badge>
                  </Table.Td>
                  <Table.Td>{m.templateName ?? "—"}</Table.Td>
                  <Table.Td>{m.senderId ?? "—"}</Table.Td>
                  <Table.Td>{money(m.costMinor, m.currency)}</Table.Td>
                  <Table.Td>{dateTime(m.createdAt)}</Table.Td>
                  <Table.Td>{dateTime(m.sentAt)}</Table.Td>
                  <Table.Td>{dateTime(m.deliveredAt)}</Table.Td>
                  <Table.Td maw={240}>
                    <Text size="sm" lineClamp={2} title={m.errorDetail ?? undefined}>
                      {describeError(m.errorCode, m.channel)}
                    </Text>
                  </Table.Td>
                  <Table.Td>{m.campaignId ?? "—"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group justify="space-between" mt="sm">
            <Text size="sm" c="dimmed">
              {state.data.total} message(s)
            </Text>
            <Pagination total={Math.max(1, Math.ceil(state.data.total / PAGE_SIZE))} value={page} onChange={setPage} />
          </Group>
        </>
      )}
      <Drawer opened={selected !== null} onClose={() => setSelected(null)} title="Message detail" position="right" size={960}>
        {selected && <MessageDetail messageId={selected} />}
      </Drawer>
    </>
  );
}

// A message in one of these is settled; until then the detail refreshes itself.
const FINAL = new Set(["DELIVERED", "READ", "FAILED", "UNDELIVERED"]);
const REFRESH_MS = 2000;

function MessageDetail({ messageId }: { messageId: string }) {
  const state = useLoad(async () => unwrap(await api.GET("/api/reports/{message_id}", { params: { path: { message_id: messageId } } })), [messageId]);
  const settled = state.data ? FINAL.has(state.data.message.status) : false;
  const { reload } = state;
  useEffect(() => {
    if (settled) return;
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [settled, reload]);
  return (
    <Loaded state={state}>
      {(d) => (
        <Stack>
          <Text size="sm">
            <b>Message</b> {d.message.messageId}
          </Text>
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
          {d.attempts.length === 0 ? (
            <Empty>No attempts yet.</Empty>
          ) : (
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>#</Table.Th>
                  <Table.Th>Channel</Table.Th>
                  <Table.Th miw={170}>Status</Table.Th>
                  <Table.Th>Template</Table.Th>
                  <Table.Th>Sent</Table.Th>
                  <Table.Th>Delivered</Table.Th>
                  <Table.Th>Error</Table.Th>
                  <Table.Th>Cost</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.attempts.map((a) => (
                  <Table.Tr key={a.attempt}>
                    <Table.Td>{a.attempt}</Table.Td>
                    <Table.Td>{a.channel}</Table.Td>
                    <Table.Td>
                      <Badge color={STATUS_COLORS[a.status]}>{a.status}</Badge>
                    </Table.Td>
                    <Table.Td>{a.templateName ?? "—"}</Table.Td>
                    <Table.Td>{dateTime(a.sentAt)}</Table.Td>
                    <Table.Td>{dateTime(a.deliveredAt)}</Table.Td>
                    <Table.Td>{a.errorCode ? describeFailure(a.errorCode, a.errorDetail, a.channel) : "—"}</Table.Td>
                    <Table.Td>{money(a.costMinor, d.message.currency)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Title order={5}>History</Title>
          {d.history.length === 0 ? (
            <Empty>No status changes yet.</Empty>
          ) : (
            <Table>
              <Table.Tbody>
                {d.history.map((h, i) => (
                  <Table.Tr key={i}>
                    <Table.Td>{dateTime(h.occurredAt)}</Table.Td>
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
