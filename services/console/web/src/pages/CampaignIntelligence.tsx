// Campaign Intelligence (the user guide's page): the four cards (Best Channel with the volume it
// needs, Best Hour, Avg. Delivery Rate, Total Messages), the delivery rate per channel, the volume by
// hour of day over the last 7 days, the day-of-week x hour heatmap, Get AI Insights, and the
// searchable, paginated campaigns table. Read from reporting's rollups through /api/analytics/*.
import { Badge, Grid, SimpleGrid, Text } from "@mantine/core";
import { ListPage, useListPage } from "../components/ListPage";
import { Loaded } from "../components/States";
import { useLoad } from "../lib/useLoad";
import { StatCard } from "./anomaly/parts";
import { CAMPAIGN_STATUS_COLORS, type CampaignStatus } from "./campaigns/campaigns";
import { getCampaigns, getIntelligence } from "./analytics/api";
import { InsightsPanel } from "./analytics/InsightsPanel";
import {
  cellText,
  channelLabel,
  channelRates,
  count,
  describeChart,
  heatmapMatrix,
  hourLabel,
  rateText,
  WEEKDAYS,
} from "./analytics/logic";
import { ChartPanel } from "./analytics/parts";
import type { Schemas } from "../api/client";

type Intelligence = Schemas["Intelligence"];

export function CampaignIntelligencePage() {
  const state = useLoad(getIntelligence, []);
  const list = useListPage({
    load: ({ search, page, pageSize }) => getCampaigns({ search: search || undefined, page, page_size: pageSize }),
  });
  return (
    <ListPage
      list={list}
      title="Campaign Intelligence"
      above={
        <Loaded state={state}>
          {(intel) => (
            <>
              <Cards intel={intel} />
              <Charts intel={intel} />
              <InsightsPanel />
              <Text fw={600} mt="lg" mb="xs">
                Campaigns
              </Text>
            </>
          )}
        </Loaded>
      }
      search={{ label: "Search campaigns", placeholder: "Campaign name" }}
      rowKey={(c) => c.campaign_id}
      empty={(filtered) => (filtered ? "No campaign matches this search." : "No campaigns yet. Create one in Bulk Campaign.")}
      count={(total) => `${total} campaign(s)`}
      table={{ "aria-label": "Campaign performance" }}
      columns={[
        { header: "Campaign", cell: (c) => c.name },
        { header: "Total", cell: (c) => count(c.total) },
        { header: "Processed", cell: (c) => count(c.processed) },
        { header: "Failed", cell: (c) => count(c.failed) },
        { header: "Delivery rate", cell: (c) => rateText(c.delivery_rate) },
        {
          header: "Status",
          cell: (c) => <Badge color={CAMPAIGN_STATUS_COLORS[c.status as CampaignStatus] ?? "gray"}>{c.status}</Badge>,
        },
      ]}
    />
  );
}

function Cards({ intel }: { intel: Intelligence }) {
  const best = intel.best_channel;
  const hour = intel.best_hour;
  const threshold = `Needs at least ${count(intel.min_volume)} messages in the last ${intel.window_days} days`;
  return (
    <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} mb="md">
      <StatCard label="Best Channel" value={best ? channelLabel(best.channel) : "—"}>
        <Text size="xs" c="dimmed" data-testid="best-channel-detail">
          {best ? `${rateText(best.rate)} delivered of ${count(best.total)} messages. ` : "No channel has enough traffic yet. "}
          {threshold}.
        </Text>
      </StatCard>
      <StatCard label="Best Hour" value={hour ? hourLabel(hour.hour) : "—"}>
        <Text size="xs" c="dimmed" data-testid="best-hour-detail">
          {hour ? `${rateText(hour.rate)} delivered of ${count(hour.total)} messages` : "Not enough traffic yet"} ({intel.time_zone})
        </Text>
      </StatCard>
      <StatCard label="Avg. Delivery Rate" value={rateText(intel.avg_delivery_rate)} />
      <StatCard label="Total Messages" value={count(intel.total_messages)} />
    </SimpleGrid>
  );
}

function Charts({ intel }: { intel: Intelligence }) {
  const rates = channelRates(intel.channels);
  const hours = Array.from({ length: 24 }, (_, h) => intel.hours_last_7_days.find((x) => x.hour === h)?.total ?? 0);
  const hourChannels = [...new Set(intel.hours_last_7_days.flatMap((h) => Object.keys(h.by_channel ?? {})))];
  const heat = heatmapMatrix(intel.heatmap);
  return (
    <Grid mb="md">
      <Grid.Col span={{ base: 12, md: 6 }}>
        <ChartPanel
          title="Delivery rate per channel"
          testId="chart-channel-rates"
          empty={rates.every((r) => r.total === 0) ? `No messages in the last ${intel.window_days} days.` : undefined}
          note={`Last ${intel.window_days} days; a channel without messages has no bar.`}
          description={describeChart(
            "Delivery rate per channel",
            rates.map((r) => [channelLabel(r.channel), rateText(r.rate)]),
          )}
          option={{
            tooltip: { trigger: "axis", valueFormatter: (v: number | null) => (v === null ? "—" : `${v.toFixed(1)}%`) },
            xAxis: { type: "category", data: rates.map((r) => channelLabel(r.channel)) },
            yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
            series: [
              {
                name: "Delivery rate",
                type: "bar",
                data: rates.map((r) => (r.rate === null ? null : Math.round(r.rate * 1000) / 10)),
                label: { show: true, position: "top", formatter: "{c}%" },
              },
            ],
          }}
        />
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 6 }}>
        <ChartPanel
          title="Volume by hour of day"
          testId="chart-hourly-volume"
          empty={hours.every((n) => n === 0) ? "No messages in the last 7 days." : undefined}
          note={`Messages per hour of day over the last 7 days (${intel.time_zone}).`}
          description={describeChart(
            "Volume by hour of day",
            hours.map((n, h) => [hourLabel(h), String(n)]),
          )}
          option={{
            tooltip: { trigger: "axis" },
            legend: { data: ["All channels", ...hourChannels.map(channelLabel)] },
            xAxis: { type: "category", data: hours.map((_, h) => hourLabel(h)) },
            yAxis: { type: "value", minInterval: 1 },
            series: [
              { name: "All channels", type: "line", data: hours, smooth: false },
              ...hourChannels.map((c) => ({
                name: channelLabel(c),
                type: "line",
                lineStyle: { type: "dashed" },
                data: Array.from({ length: 24 }, (_, h) => intel.hours_last_7_days.find((x) => x.hour === h)?.by_channel?.[c] ?? 0),
              })),
            ],
          }}
        />
      </Grid.Col>
      <Grid.Col span={12}>
        <ChartPanel
          title="Traffic by day and hour"
          testId="chart-heatmap"
          empty={heat.busiest ? undefined : `No messages in the last ${intel.window_days} days.`}
          height={320}
          note={`Messages by day of week and hour of day over the last ${intel.window_days} days (${intel.time_zone}); darker cells carry more traffic.`}
          description={describeChart(
            "Traffic by day and hour",
            heat.busiest ? [["busiest", cellText(heat.busiest)]] : [["busiest", "none"]],
          )}
          option={{
            tooltip: {
              formatter: (p: { value: [number, number, number] }) => cellText({ hour: p.value[0], weekday: p.value[1], total: p.value[2] }),
            },
            grid: { top: 10, bottom: 80, left: 50, right: 20 },
            xAxis: { type: "category", data: Array.from({ length: 24 }, (_, h) => hourLabel(h)), splitArea: { show: true } },
            yAxis: { type: "category", data: [...WEEKDAYS], inverse: true, splitArea: { show: true } },
            visualMap: {
              min: 0,
              max: Math.max(1, heat.max),
              calculable: true,
              text: ["More", "Less"],
              orient: "horizontal",
              left: "center",
              bottom: 0,
              inRange: { color: ["#f1f5fb", "#9ec5f0", "#3b82d6", "#0b3d91"] }, // light to dark: more traffic
            },
            series: [{ name: "Messages", type: "heatmap", data: heat.data, emphasis: { itemStyle: { borderColor: "#333", borderWidth: 1 } } }],
          }}
        >
          {heat.busiest && (
            <Text size="sm" mt="xs" data-testid="heatmap-busiest">
              Busiest: {cellText(heat.busiest)}
            </Text>
          )}
        </ChartPanel>
      </Grid.Col>
    </Grid>
  );
}
