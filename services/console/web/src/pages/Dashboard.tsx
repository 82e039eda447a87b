import { Button, Card, Grid, Group, Paper, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import ReactECharts from "echarts-for-react";
import { api, unwrap, type Schemas } from "../api/client";
import { InsightsList } from "../components/InsightsList";
import { Empty, ErrorState, Loaded, Loading } from "../components/States";
import { describeError } from "../lib/errors";
import { money } from "../lib/format";
import { useLoad } from "../lib/useLoad";

export function DashboardPage() {
  const state = useLoad(async () => unwrap(await api.GET("/api/dashboard")), []);
  return (
    <>
      <Title order={2} mb="md">
        Dashboard
      </Title>
      <Loaded state={state}>
        {(d) => (
          <>
            <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} mb="md">
              <Stat label="Messages Today" value={String(d.messagesToday)} />
              <Stat label="Success Rate" value={d.successRate === null || d.successRate === undefined ? "—" : `${d.successRate}%`} />
              <Stat label="Cost Today" value={money(d.costTodayMinor, d.currency)} />
              <Stat
                label="Balance"
                value={d.balanceMinor === null || d.balanceMinor === undefined ? "unavailable" : money(d.balanceMinor, d.currency)}
              />
            </SimpleGrid>
            <Grid>
              <Grid.Col span={{ base: 12, md: 7 }}>
                <Paper withBorder p="md">
                  <Text fw={600}>Messages per channel</Text>
                  <Text size="xs" c="dimmed" mb="sm">
                    Each message once, under the channel it was sent on first; those a fallback level delivered are
                    shown beside it.
                  </Text>
                  {d.channels.length === 0 ? (
                    <Empty>No messages sent yet.</Empty>
                  ) : (
                    <>
                      <ReactECharts
                        style={{ height: 300 }}
                        option={{
                          tooltip: { trigger: "axis" },
                          legend: { data: SERIES.map((s) => s.name) },
                          xAxis: { type: "category", data: d.channels.map((c) => CHANNEL_LABEL[c.channel] ?? c.channel) },
                          yAxis: { type: "value", minInterval: 1 },
                          series: SERIES.map((s) => ({
                            name: s.name,
                            type: "bar",
                            itemStyle: s.fallback ? { opacity: 0.55 } : undefined,
                            data: d.channels.map(s.value),
                          })),
                        }}
                      />
                      <FallbackDeliveries fallbacks={d.fallbacks ?? []} />
                    </>
                  )}
                </Paper>
              </Grid.Col>
              <Grid.Col span={{ base: 12, md: 5 }}>
                <Paper withBorder p="md">
                  <Text fw={600} mb="sm">
                    Failed messages by reason
                  </Text>
                  {d.failures.length === 0 ? (
                    <Empty>No failed messages.</Empty>
                  ) : (
                    <ReactECharts
                      style={{ height: 300 }}
                      option={{
                        tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
                        // the reasons in words, each with the carrier's or platform's code beside it
                        legend: { type: "scroll", orient: "vertical", left: 0, bottom: 0, textStyle: { width: 340, overflow: "break" } },
                        series: [
                          {
                            type: "pie",
                            radius: ["35%", "60%"],
                            center: ["50%", "38%"],
                            label: { show: false },
                            data: d.failures.map((f) => ({ name: describeError(f.reason), value: f.count })),
                          },
                        ],
                      }}
                    />
                  )}
                </Paper>
              </Grid.Col>
            </Grid>
          </>
        )}
      </Loaded>
      <AiInsightsCard />
    </>
  );
}

/** The AI insights card: recommendations from the account's last 30 days (the ai service's
 * engine over the rollups' numbers), each with the numbers it cites. Loads on its own, so the
 * cards and charts above never wait for it; the ai service down is said here only. */
function AiInsightsCard() {
  const state = useLoad(async () => unwrap(await api.POST("/api/analytics/insights")), []);
  return (
    <Paper withBorder p="md" mt="md" role="region" aria-label="AI insights">
      <Group justify="space-between" mb="sm">
        <div>
          <Text fw={600}>AI insights</Text>
          <Text size="xs" c="dimmed">
            Recommendations from your last 30 days of traffic: sending windows, channels and senders that
            underperform, failure causes and campaign timing, each with the numbers it is based on.
          </Text>
        </div>
        <Button size="xs" variant="light" onClick={state.reload} loading={state.loading && state.data !== undefined}>
          Refresh
        </Button>
      </Group>
      {state.error ? (
        <ErrorState error={state.error} onRetry={state.reload} />
      ) : state.data === undefined ? (
        <Loading label="Analysing your traffic…" />
      ) : (
        <InsightsList insights={state.data} />
      )}
    </Paper>
  );
}

type ChannelCount = Schemas["ChannelCount"];
const CHANNEL_LABEL: Record<string, string> = { SMS: "SMS", WHATSAPP: "WhatsApp", RCS: "RCS", VOICE: "Voice" };
const SERIES: { name: string; fallback: boolean; value: (c: ChannelCount) => number }[] = [
  { name: "Today", fallback: false, value: (c) => c.today },
  { name: "Today, delivered by fallback", fallback: true, value: (c) => c.fallbackToday ?? 0 },
  { name: "All-time", fallback: false, value: (c) => c.allTime },
  { name: "All-time, delivered by fallback", fallback: true, value: (c) => c.fallbackAllTime ?? 0 },
];

/** Which fallback channel delivered the messages of each first channel, e.g. "RCS → SMS: 2 today, 14 all-time". */
function FallbackDeliveries({ fallbacks }: { fallbacks: Schemas["FallbackCount"][] }) {
  if (fallbacks.length === 0) return null;
  const label = (c: string) => CHANNEL_LABEL[c] ?? c;
  return (
    <Stack gap={2} mt="xs" data-testid="fallback-deliveries">
      <Text size="sm" fw={500}>
        Delivered by fallback
      </Text>
      {fallbacks.map((f) => (
        <Text size="sm" key={`${f.fromChannel}-${f.channel}`}>
          {label(f.fromChannel)} → {label(f.channel)}: {f.today} today, {f.allTime} all-time
        </Text>
      ))}
    </Stack>
  );
}

function Stat({ label, value }: { label: string; value: string }) {
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700}>
        {value}
      </Text>
    </Card>
  );
}
