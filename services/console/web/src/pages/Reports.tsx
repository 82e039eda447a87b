import { Anchor, Badge, Button, Drawer, Select, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { UpdatedAt, usePolling } from "../components/LiveRefresh";
import { ListPage, useListPage } from "../components/ListPage";
import { describeError } from "../lib/errors";
import { dateTime, money, STATUS_COLORS } from "../lib/format";
import { wallClock } from "../lib/timeZones";
import { CampaignSelect } from "./campaigns/CampaignParts";
import { MessageDetail } from "./reports/MessageDetail";

type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";
type Status = "SUBMITTED" | "SUBMITTED_OPERATOR" | "DELIVERED" | "READ" | "RETRYING" | "FAILED" | "UNDELIVERED";
const STATUSES: Status[] = ["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED", "READ", "RETRYING", "FAILED", "UNDELIVERED"];

/** datetime-local value -> the API's `from`/`to`: a wall-clock time without an offset, which
 * the server reads in the account's time zone (the zone the page shows dates in). */
const toIso = wallClock;

type ReportFilters = {
  from: string | null;
  to: string | null;
  channel: string | null;
  status: string | null;
  recipient: string | null;
  campaign: string | null;
};
const NO_FILTERS: ReportFilters = { from: null, to: null, channel: null, status: null, recipient: null, campaign: null };

/** The filters a link to this page carries (wall-clock from/to as the inputs take them, a channel, a campaign). */
function linkedFilters(q: URLSearchParams): ReportFilters {
  const channel = q.get("channel");
  return {
    ...NO_FILTERS,
    from: wallClock(q.get("from")) ?? null,
    to: wallClock(q.get("to")) ?? null,
    channel: channel && ["SMS", "WHATSAPP", "RCS", "VOICE"].includes(channel) ? channel : null,
    campaign: q.get("campaign"),
  };
}

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
    // a campaign's page links here with ?campaign=<id>; Report Summary with ?from=&to=&channel=
    filters: linkedFilters(new URLSearchParams(window.location.search)),
    debounce: ["recipient"],
    load: async ({ filters, page, pageSize }) =>
      unwrap(await api.GET("/api/reports", { params: { query: { ...reportQuery(filters), page, pageSize } } })),
  });
  const { filters, setFilter } = list;
  // statuses move on their own: the page re-reads itself, and at once when an opened detail changes
  const updatedAt = usePolling(list.refresh, list.data);
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
          <>
            <UpdatedAt at={updatedAt} onRefresh={list.refresh} />
            <Button component="a" variant="default" href={`/api/reports/export.csv?${csv}`}>
              Export CSV
            </Button>
          </>
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
        {selected && <MessageDetail messageId={selected} onChange={list.refresh} />}
      </Drawer>
    </>
  );
}
