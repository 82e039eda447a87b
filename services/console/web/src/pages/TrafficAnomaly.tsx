// Traffic Anomaly (the user guide's page): the cards (risk level, risk score, fraud probability with
// its top reasons, anomalies 24 h and 1 h, active), the paginated anomaly log filtered by type and
// status, Acknowledge, and Run Detection Now. Answered by the ai service through /api/anomalies.
import { Group, Select, SimpleGrid, Stack, Text } from "@mantine/core";
import { api, unwrap, type Schemas } from "../api/client";
import { ListPage, useListPage } from "../components/ListPage";
import { dateTime } from "../lib/format";
import { AccountFraudHolds } from "./anomaly/FraudHolds";
import {
  AcknowledgeButton,
  evidenceOf,
  RiskLevelCard,
  RunDetectionButton,
  SeverityBadge,
  StatCard,
  StatusBadge,
  STATUSES,
  subjectOf,
  type AlertRow,
} from "./anomaly/parts";

export const ANOMALY_TYPES = ["OTP_FLOOD", "VELOCITY_SPIKE", "FAILURE_SPIKE", "NEW_DESTINATION", "NUMBER_RANGE_CONCENTRATION", "PREMIUM_RATE"];

export function TrafficAnomalyPage() {
  const list = useListPage({
    filters: { type: null as string | null, status: null as string | null },
    load: async ({ filters, page, pageSize }) =>
      unwrap(
        await api.GET("/api/anomalies", {
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
      title="Traffic Anomaly"
      actions={<RunDetectionButton onDone={list.reload} />}
      above={
        list.data && (
          <>
            <Cards summary={list.data.summary} />
            <AccountFraudHolds reloadKey={list.data} />
          </>
        )
      }
      filters={
        <Group>
          <Select label="Type" placeholder="All types" clearable data={ANOMALY_TYPES} value={list.filters.type} onChange={(v) => list.setFilter("type", v)} w={260} />
          <Select label="Status" placeholder="All statuses" clearable data={[...STATUSES]} value={list.filters.status} onChange={(v) => list.setFilter("status", v)} w={180} />
        </Group>
      }
      rowKey={(a) => a.id}
      empty={(filtered) => (filtered ? "No anomaly matches these filters." : "No anomalies detected. Run Detection Now to scan the recent traffic.")}
      count={(total) => `${total} anomaly(ies)`}
      table={{ "aria-label": "Anomaly log" }}
      columns={[
        { header: "Detected", cell: (a) => dateTime(a.raisedAt) },
        { header: "Type", cell: (a) => a.type },
        { header: "Severity", cell: (a) => <SeverityBadge severity={a.severity} /> },
        { header: "Subject", cell: (a) => subjectOf(a) },
        { header: "Evidence", cell: (a) => <Text size="xs">{evidenceOf(a)}</Text> },
        { header: "Last seen", cell: (a) => dateTime(a.updatedAt) },
        { header: "Status", cell: (a) => <StatusBadge status={a.status} /> },
        { header: "", cell: (a) => <AcknowledgeButton alert={a} onDone={list.reload} /> },
      ]}
    />
  );
}

/** The guide's cards: risk level and score, fraud probability with its top reasons, anomalies 24 h and 1 h, active. */
function Cards({ summary }: { summary: Schemas["AnomalySummary"] }) {
  return (
    <SimpleGrid cols={{ base: 1, sm: 3, lg: 6 }} mb="md">
      <RiskLevelCard level={summary.riskLevel} />
      <StatCard label="Risk Score" value={String(summary.riskScore)} />
      <StatCard label="Fraud Probability" value={summary.fraudProbability.toFixed(2)}>
        <Stack gap={0} mt={4} data-testid="fraud-reasons">
          {summary.fraudReasons.slice(0, 3).map((r) => (
            <Text key={r.feature} size="xs" c="dimmed">
              {r.reason}
            </Text>
          ))}
        </Stack>
      </StatCard>
      <StatCard label="Anomalies (24h)" value={String(summary.anomalies24h)} />
      <StatCard label="Anomalies (1h)" value={String(summary.anomalies1h)} />
      <StatCard label="Active Alerts" value={String(summary.active)} />
    </SimpleGrid>
  );
}
