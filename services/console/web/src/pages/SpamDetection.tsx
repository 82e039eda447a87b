// Spam Detection (the user guide's page): the cards (risk level, risk score, alerts 24 h and 1 h,
// active senders 24 h), each sender of the last 24 h with its messages, delivery and failure rate,
// the paginated spam alert log, and Run Detection Now. Answered by the ai service via /api/spam/alerts.
import { Group, Select, SimpleGrid, Table, Text, Title } from "@mantine/core";
import { api, unwrap, type Schemas } from "../api/client";
import { ListPage, useListPage } from "../components/ListPage";
import { dateTime } from "../lib/format";
import {
  AcknowledgeButton,
  evidenceOf,
  percent,
  RiskLevelCard,
  RunDetectionButton,
  SeverityBadge,
  StatCard,
  StatusBadge,
  STATUSES,
  type AlertRow,
} from "./anomaly/parts";

export const SPAM_TYPES = ["SPAM_FAILURE_RATE", "SPAM_SAME_CONTENT", "SPAM_HIGH_RISK_CONTENT", "SPAM_BLACKLIST_HITS", "SPAM_NEW_SENDER"];

export function SpamDetectionPage() {
  const list = useListPage({
    filters: { type: null as string | null, status: null as string | null },
    load: async ({ filters, page, pageSize }) =>
      unwrap(
        await api.GET("/api/spam/alerts", {
          params: {
            query: {
              type: filters.type ?? undefined,
              status: (filters.status as AlertRow["status"] | null) ?? undefined,
              page,
              pageSize,
            },
          },
        }),
      ),
  });
  return (
    <ListPage
      list={list}
      title="Spam Detection"
      actions={<RunDetectionButton onDone={list.reload} />}
      above={
        list.data && (
          <>
            <SimpleGrid cols={{ base: 1, sm: 3, lg: 5 }} mb="md">
              <RiskLevelCard level={list.data.summary.riskLevel} />
              <StatCard label="Risk Score" value={String(list.data.summary.riskScore)} />
              <StatCard label="Alerts (24h)" value={String(list.data.summary.alerts24h)} />
              <StatCard label="Alerts (1h)" value={String(list.data.summary.alerts1h)} />
              <StatCard label="Active Senders" value={String(list.data.summary.activeSenders24h)} />
            </SimpleGrid>
            <Senders senders={list.data.senders} />
            <Title order={4} mb="xs">
              Spam alerts
            </Title>
          </>
        )
      }
      filters={
        <Group>
          <Select label="Type" placeholder="All types" clearable data={SPAM_TYPES} value={list.filters.type} onChange={(v) => list.setFilter("type", v)} w={240} />
          <Select label="Status" placeholder="All statuses" clearable data={[...STATUSES]} value={list.filters.status} onChange={(v) => list.setFilter("status", v)} w={180} />
        </Group>
      }
      rowKey={(a) => a.id}
      empty={(filtered) => (filtered ? "No spam alert matches these filters." : "No spam alerts raised.")}
      count={(total) => `${total} spam alert(s)`}
      table={{ "aria-label": "Spam alert log" }}
      columns={[
        { header: "Raised", cell: (a) => dateTime(a.raisedAt) },
        { header: "Sender", cell: (a) => (a.subjectType === "SENDER" ? a.subject : `${a.subjectType} ${a.subject}`) },
        { header: "Type", cell: (a) => a.type },
        { header: "Severity", cell: (a) => <SeverityBadge severity={a.severity} /> },
        { header: "Evidence", cell: (a) => <Text size="xs">{evidenceOf(a)}</Text> },
        { header: "Status", cell: (a) => <StatusBadge status={a.status} /> },
        { header: "", cell: (a) => <AcknowledgeButton alert={a} onDone={list.reload} /> },
      ]}
    />
  );
}

/** Each sender ID used in the last 24 hours: messages, delivery rate and failure rate. */
function Senders({ senders }: { senders: Schemas["SenderActivity"][] }) {
  return (
    <>
      <Title order={4} mb="xs">
        Senders (last 24 hours)
      </Title>
      {senders.length === 0 ? (
        <Text c="dimmed" mb="md">
          No messages sent in the last 24 hours.
        </Text>
      ) : (
        <Table striped maw={900} mb="md" aria-label="Senders">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Sender ID</Table.Th>
              <Table.Th>Messages</Table.Th>
              <Table.Th>Delivered</Table.Th>
              <Table.Th>Failed</Table.Th>
              <Table.Th>Delivery Rate</Table.Th>
              <Table.Th>Failure Rate</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {senders.map((s) => (
              <Table.Tr key={s.senderId}>
                <Table.Td>{s.senderId}</Table.Td>
                <Table.Td>{s.messages}</Table.Td>
                <Table.Td>{s.delivered}</Table.Td>
                <Table.Td>{s.failed}</Table.Td>
                <Table.Td>{percent(s.deliveryRate)}</Table.Td>
                <Table.Td>
                  <Text span size="sm" c={s.failureRate >= 0.6 ? "red" : undefined}>
                    {percent(s.failureRate)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
