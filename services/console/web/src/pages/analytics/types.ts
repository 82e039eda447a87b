// The analytics shapes, from the console's OpenAPI document (contracts/cpaas/contracts/analytics.py).
import type { Schemas } from "../../api/client";

export type AnalyticsSummary = Schemas["AnalyticsSummary"];
export type SummaryBucket = Schemas["SummaryBucket"];
export type Intelligence = Schemas["Intelligence"];
export type CampaignPerformancePage = Schemas["CampaignPerformancePage"];

// TEMPORARY: POST /api/analytics/insights is not in the console's OpenAPI document yet.
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
