import { Anchor, Badge, Button, Drawer, Group, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useEffect, useState } from "react";
import { api, unwrap } from "../api/client";
import { ListPage, useListPage } from "../components/ListPage";
import { Empty, Loaded } from "../components/States";
import { describeError, describeFailure } from "../lib/errors";
import { dateTime, money, STATUS_COLORS } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { CampaignSelect } from "./campaigns/CampaignParts";

type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";
type Status = "SUBMITTED" | "SUBMITTED_OPERATOR" | "DELIVERED" | "READ" | "RETRYING" | "FAILED" | "UNDELIVERED";
const STATUSES: Status[] = ["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED", "READ", "RETRYING", "FAILED", "UNDELIVERED"];

/** datetime-local value (browser's local time) -> ISO instant for the API. */
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

type ReportFilters = {
  from: string | null;
  to: string | null;
  channel: string | null;
  status: string | null;
  recipient: string | null;
  campaign: string | null;
};
const NO_FILTERS: ReportFilters = { from: null, to: null, channel: null, status: null, recipient: null, campaign: null };

/** The API's report query for the applied filters (shared by the list and its CSV export). */
function reportQuery(f: ReportFilters) {
  return {
    from: toIso(f.from ?? ""),
    to: toIso(f.to ?? ""),
    channel: (f.channel as Channel) ?? undefined,
    status: (f.status as Status) ?? undefined,
    recipient: f.recipient ?? undefined,
    campaignId: f.campaign && /^\d+$/.test(f.campaign) ? Number(f.campaign) : undefined, // chosen by name
  };
}

export function ReportsPage() {
  const [selected, setSelected] = useState<string | null>(() => new URLSearchParams(window.location.search).get("message"));
  const list = useListPage({
    // a campaign's page links here with ?campaign=<id>
    filters: { ...NO_FILTERS, campaign: new URLSearchParams(window.location.search).get("campaign") },
    debounce: ["recipient"],
    load: async ({ filters, page, pageSize }) =>
      unwrap(await api.GET("/api/reports", { params: { query: { ...reportQuery(filters), page, pageSize } } })),
  });
  const { filters, setFilter } = list;
  const csv = new URLSearchParams(
    Object.entries(reportQuery(list.applied.filters))
      .filter(([, v]) => v !== undefined && v !== "")
      .map(([k, v]) => [k, String(v)]),
  );

  return (
    <>
      <ListPage
        list={list}
        title="Reports"
        actions={
          <Button component="a" variant="default" href={`/api/reports/export.csv?${csv}`}>
            Export CSV
          </Button>
        }
        filters={
          <>
            <TextInput label="From" type="datetime-local" value={filters.from ?? ""} onChange={(e) => setFilter("from", e.currentTarget.value)} />
            <TextInput label="To" type="datetime-local" value={filters.to ?? ""} onChange={(e) => setFilter("to", e.currentTarget.value)} />
            <Select label="Channel" clearable data={["SMS", "WHATSAPP", "RCS", "VOICE"]} value={filters.channel} onChange={(v) => setFilter("channel", v)} w={140} />
            <Select label="Status" clearable data={STATUSES} value={filters.status} onChange={(v) => setFilter("status", v)} w={200} />
            <TextInput label="Recipient" placeholder="+91…" value={filters.recipient ?? ""} onChange={(e) => setFilter("recipient", e.currentTarget.value)} />
            <CampaignSelect value={filters.campaign} onChange={(v) => setFilter("campaign", v)} />
          </>
        }
        table={{ highlightOnHover: true }}
        rowKey={(m) => m.messageId}
        onRowClick={(m) => setSelected(m.messageId)}
        empty={() => "No messages match these filters."}
        count={(total) => `${total} message(s)`}
        columns={[
          { header: "Recipient", cell: (m) => <Anchor size="sm">{m.recipient}</Anchor> },
          {
            header: "Channel",
            cell: (m) => (
              <>
                {m.channel}
                {m.attempt > 1 && (
                  <Text size="xs" c="dimmed">
                    fallback {m.attempt - 1} of {m.primaryChannel}
                  </Text>
                )}
              </>
            ),
          },
          { header: "Status", th: { miw: 170 }, cell: (m) => <Badge color={STATUS_COLORS[m.status]}>{m.status}</Badge> },
          { header: "Template", cell: (m) => m.templateName ?? "—" },
          { header: "Sender ID", cell: (m) => m.senderId ?? "—" },
          { header: "Cost", cell: (m) => money(m.costMinor, m.currency) },
          { header: "Created At", cell: (m) => dateTime(m.createdAt) },
          { header: "Sent At", cell: (m) => dateTime(m.sentAt) },
          { header: "Delivered At", cell: (m) => dateTime(m.deliveredAt) },
          {
            header: "Error Code",
            td: { maw: 240 },
            cell: (m) => (
              <Text size="sm" title={m.errorDetail ?? undefined}>
                {describeError(m.errorCode, m.channel)}
              </Text>
            ),
          },
          {
            header: "Campaign",
            cell: (m) => (m.campaignId ? <span title={`campaign ${m.campaignId}`}>{m.campaignName ?? `#${m.campaignId}`}</span> : "—"),
          },
        ]}
      />
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
