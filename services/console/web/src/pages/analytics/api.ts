// The analytics endpoints through the typed client.
import { api, unwrap } from "../../api/client";
import type { Bucket, RangePreset } from "./logic";

type Channel = "SMS" | "WHATSAPP" | "RCS" | "VOICE";

/** The summary of `summaryQuery`'s query. */
export async function getSummary(query: Record<string, string>) {
  return unwrap(
    await api.GET("/api/analytics/summary", {
      params: {
        query: {
          range: query.range as RangePreset,
          from: query.from,
          to: query.to,
          bucket: query.bucket as Bucket | undefined,
          channel: query.channel as Channel | undefined,
        },
      },
    }),
  );
}

export async function getIntelligence() {
  return unwrap(await api.GET("/api/analytics/intelligence"));
}

export async function getCampaigns(query: { search?: string; page: number; page_size: number }) {
  return unwrap(await api.GET("/api/analytics/campaigns", { params: { query } }));
}

export async function postInsights() {
  return unwrap(await api.POST("/api/analytics/insights"));
}
