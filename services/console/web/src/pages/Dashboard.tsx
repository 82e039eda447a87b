import { Card, Grid, Paper, SimpleGrid, Text, Title } from "@mantine/core";
import ReactECharts from "echarts-for-react";
import { api, unwrap } from "../api/client";
import { Empty, Loaded } from "../components/States";
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
                  <Text fw={600} mb="sm">
                    Messages per channel
                  </Text>
                  {d.channels.length === 0 ? (
                    <Empty>No messages sent yet.</Empty>
                  ) : (
                    <ReactECharts
                      style={{ height: 300 }}
                      option={{
                        tooltip: { trigger: "axis" },
                        legend: { data: ["Today", "All-time"] },
                        xAxis: { type: "category", data: d.channels.map((c) => c.channel) },
                        yAxis: { type: "value", minInterval: 1 },
                        series: [
                          { name: "Today", type: "bar", data: d.channels.map((c) => c.today) },
                          { name: "All-time", type: "bar", data: d.channels.map((c) => c.allTime) },
                        ],
                      }}
                    />
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
    </>
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
