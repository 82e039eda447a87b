// The analytics pages' shared parts: a titled chart whose accessible description ECharts writes from
// the same data it draws, and a card.
import { Paper, Text } from "@mantine/core";
import ReactECharts from "echarts-for-react";
import { Empty } from "../../components/States";

/** One chart in a bordered panel: `title` is its heading and the figure's name; `description` is
 * what ECharts puts in the chart's aria-label (the numbers it shows, for screen readers and tests). */
export function ChartPanel({
  title,
  note,
  description,
  option,
  empty,
  height = 300,
  testId,
  children,
}: {
  title: string;
  note?: React.ReactNode;
  description: string;
  option: Record<string, unknown>;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: React.ReactNode;
  height?: number;
  testId: string;
  children?: React.ReactNode;
}) {
  return (
    <Paper withBorder p="md" component="figure" m={0} aria-label={title} data-testid={testId}>
      <Text fw={600}>{title}</Text>
      {note && (
        <Text size="xs" c="dimmed" mb="sm">
          {note}
        </Text>
      )}
      {empty ? (
        <Empty>{empty}</Empty>
      ) : (
        <ReactECharts
          style={{ height }}
          notMerge
          option={{ ...option, aria: { enabled: true, label: { enabled: true, description } } }}
        />
      )}
      {children}
    </Paper>
  );
}
