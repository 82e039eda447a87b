// TEMPORARY: mirrors contracts/src/cpaas/contracts/analytics.py until the console's OpenAPI
// document carries the analytics endpoints (then these come from the generated schema).
export type Bucket = "hour" | "day" | "week";

export interface Counts {
  total: number;
  delivered: number;
  failed: number;
  pending: number;
  rate?: number | null;
}
export interface SummaryBucket extends Counts {
  start: string;
}
export interface ChannelCounts extends Counts {
  channel: string;
}
export interface AnalyticsSummary {
  account_id: number;
  time_zone: string;
  range_from: string;
  range_to: string;
  bucket: Bucket;
  channel?: string | null;
  totals: Counts;
  statuses: Record<string, number>;
  buckets: SummaryBucket[];
  channels: ChannelCounts[];
}
export interface ChannelPerformance extends Counts {
  channel: string;
  enough_volume: boolean;
}
export interface HourPerformance extends Counts {
  hour: number;
  by_channel?: Record<string, number>;
}
export interface HeatCell {
  weekday: number;
  hour: number;
  total: number;
}
export interface Intelligence {
  account_id: number;
  time_zone: string;
  generated_at: string;
  window_days: number;
  min_volume: number;
  total_messages: number;
  avg_delivery_rate?: number | null;
  best_channel?: ChannelPerformance | null;
  best_hour?: HourPerformance | null;
  channels: ChannelPerformance[];
  hours_last_7_days: HourPerformance[];
  heatmap: HeatCell[];
}
export interface CampaignPerformance {
  campaign_id: number;
  name: string;
  status: string;
  total: number;
  processed: number;
  failed: number;
  delivered: number;
  delivery_rate?: number | null;
  created_at?: string | null;
}
export interface CampaignPerformancePage {
  items: CampaignPerformance[];
  total: number;
  page: number;
  page_size: number;
}
export interface Insight {
  kind: string;
  severity: "info" | "warning";
  title: string;
  text: string;
  facts: Record<string, number | string>;
}
export interface Insights {
  engine: "builtin" | "llm";
  model?: string | null;
  generated_at: string;
  insights: Insight[];
}
