// Report Summary (the user guide's page): message volume, success rate and the channel breakdown over
// a time range (24 h, 7 d, 30 d, 90 d or a custom one; drawn in hour, day or week buckets chosen by
// the range, or chosen here), for one channel or all; CSV export of the same numbers, and a link to
// Reports with the same range and channel (whose count its totals equal).
import { Anchor, Button, Grid, Group, SegmentedControl, Select, SimpleGrid, Text, TextInput, Title } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router-dom";
import { Loaded } from "../components/States";
import { dateTime } from "../lib/format";
import { useLoad } from "../lib/useLoad";
import { StatCard } from "./anomaly/parts";
import { getSummary } from "./analytics/api";
import {
  bucketsAllowed,
  channelLabel,
  CHANNELS,
  count,
  describeChart,
  effectiveBucket,
  PRESETS,
  rangeSpan,
  rateText,
  reportsLink,
  summaryQuery,
  type Bucket,
  type RangePreset,
  type SummaryFilters,
} from "./analytics/logic";
import { ChartPanel } from "./analytics/parts";
import type { Schemas } from "../api/client";

type AnalyticsSummary = Schemas["AnalyticsSummary"];
type SummaryBucket = Schemas["SummaryBucket"];

const BUCKET_LABEL: Record<Bucket, string> = { hour: "Hour", day: "Day", week: "Week" };

export function ReportSummaryPage() {
  const [filters, setFilters] = useState<SummaryFilters>({ range: "7d", from: null, to: null, bucket: null, channel: null });
  const set = <K extends keyof SummaryFilters>(k: K, v: SummaryFilters[K]) => setFilters((f) => ({ ...f, [k]: v }));
  const span = rangeSpan(filters.range, filters.from, filters.to);
  const query = summaryQuery(filters);
  const key = JSON.stringify(query);
  const state = useLoad(async () => (query ? getSummary(query) : null), [key]);
  const csv = query ? `/api/analytics/summary.csv?${new URLSearchParams(query)}` : undefined;

  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>Report Summary</Title>
        {csv ? (
          <Button component="a" variant="default" href={csv} download>
            Export CSV
          </Button>
        ) : (
          <Button variant="default" disabled>
            Export CSV
          </Button>
        )}
      </Group>
      <Group align="flex-end" mb="md">
        <div>
          <Text size="sm" fw={500} mb={4}>
            Time range
          </Text>
          <SegmentedControl
            aria-label="Time range"
            data={PRESETS}
            value={filters.range}
            onChange={(v) => setFilters((f) => ({ ...f, range: v as RangePreset, bucket: null }))}
          />
        </div>
        {filters.range === "custom" && (
          <>
            <TextInput label="From" type="datetime-local" value={filters.from ?? ""} onChange={(e) => set("from", e.currentTarget.value || null)} />
            <TextInput label="To" type="datetime-local" value={filters.to ?? ""} onChange={(e) => set("to", e.currentTarget.value || null)} />
          </>
        )}
        <div>
          <Text size="sm" fw={500} mb={4}>
            Bucket
          </Text>
          <SegmentedControl
            aria-label="Bucket"
            data={(["hour", "day", "week"] as Bucket[]).map((b) => ({ value: b, label: BUCKET_LABEL[b], disabled: !bucketsAllowed(span).includes(b) }))}
            value={effectiveBucket(filters.bucket, span)}
            onChange={(v) => set("bucket", v as Bucket)}
          />
        </div>
        <Select
          label="Channel"
          placeholder="All channels"
          clearable
          data={CHANNELS.map((c) => ({ value: c, label: channelLabel(c) }))}
          value={filters.channel}
          onChange={(v) => set("channel", v)}
          w={170}
        />
      </Group>
      {!query ? (
        <Text c="dimmed">Choose a custom range: a From and a To after it.</Text>
      ) : (
        <Loaded state={{ ...state, data: state.data ?? undefined }}>{(s) => <Summary summary={s} />}</Loaded>
      )}
    </>
  );
}

function bucketLabel(start: string, bucket: Bucket, timeZone: string): string {
  const full = dateTime(start, timeZone); // "2026-12-02 13:00:00"
  return bucket === "hour" ? full.slice(5, 16) : full.slice(0, 10);
}

function Summary({ summary }: { summary: AnalyticsSummary }) {
  const t = summary.totals;
  const labels = summary.buckets.map((b) => bucketLabel(b.start, summary.bucket, summary.time_zone));
  const empty = t.total === 0 ? "No messages in this range." : undefined;
  const series = (f: (b: SummaryBucket) => number) => summary.buckets.map(f);
  return (
    <>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} mb="md">
        <StatCard label="Message Volume" value={count(t.total)} />
        <StatCard label="Success Rate" value={rateText(t.rate)} />
        <StatCard label="Delivered" value={count(t.delivered)} color="green" />
        <StatCard label="Failed" value={count(t.failed)} color="red" />
      </SimpleGrid>
      <Group justify="space-between" mb="sm">
        <Text size="sm" c="dimmed" data-testid="summary-range">
          {dateTime(summary.range_from, summary.time_zone)} to {dateTime(summary.range_to, summary.time_zone)} ({summary.time_zone}), by{" "}
          {summary.bucket}
          {t.pending > 0 ? `; ${count(t.pending)} still pending` : ""}
        </Text>
        <Anchor component={Link} to={reportsLink(summary, summary.channel)} size="sm">
          View these messages in Reports
        </Anchor>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 8 }}>
          <ChartPanel
            title="Message volume"
            testId="chart-volume"
            note="Delivered, failed and pending messages per bucket, with the success rate."
            empty={empty}
            description={describeChart(
              "Message volume",
              summary.buckets.flatMap((b, i): [string, string][] => (b.total > 0 ? [[labels[i], `${b.total} (${rateText(b.rate)})`]] : [])),
            )}
            option={{
              tooltip: { trigger: "axis" },
              legend: { data: ["Delivered", "Failed", "Pending", "Success rate"] },
              xAxis: { type: "category", data: labels },
              yAxis: [
                { type: "value", minInterval: 1, name: "Messages" },
                { type: "value", min: 0, max: 100, name: "Success", axisLabel: { formatter: "{value}%" } },
              ],
              series: [
                { name: "Delivered", type: "bar", stack: "v", color: "#2f9e44", data: series((b) => b.delivered) },
                { name: "Failed", type: "bar", stack: "v", color: "#e03131", data: series((b) => b.failed) },
                { name: "Pending", type: "bar", stack: "v", color: "#adb5bd", data: series((b) => b.pending) },
                {
                  name: "Success rate",
                  type: "line",
                  yAxisIndex: 1,
                  connectNulls: false,
                  color: "#1971c2",
                  data: summary.buckets.map((b) => (b.rate === null || b.rate === undefined ? null : Math.round(b.rate * 1000) / 10)),
                },
              ],
            }}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <ChartPanel
            title="Channel breakdown"
            testId="chart-channels"
            note="Messages per channel in this range."
            empty={empty}
            description={describeChart(
              "Channel breakdown",
              summary.channels.map((c) => [channelLabel(c.channel), `${c.total} (${rateText(c.rate)})`]),
            )}
            option={{
              tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
              legend: { bottom: 0 },
              series: [
                {
                  type: "pie",
                  radius: ["35%", "65%"],
                  data: summary.channels.filter((c) => c.total > 0).map((c) => ({ name: channelLabel(c.channel), value: c.total })),
                },
              ],
            }}
          />
        </Grid.Col>
      </Grid>
    </>
  );
}
