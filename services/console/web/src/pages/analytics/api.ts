// The analytics endpoints through the typed client.
import { api, getCsrfToken, unwrap } from "../../api/client";
import { ApiFailure } from "../../api/errors";
import type { Bucket, RangePreset } from "./logic";
import type { Insights } from "./types";

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

// TEMPORARY: fetched by hand until POST /api/analytics/insights is in the console's OpenAPI document.
export async function postInsights(): Promise<Insights> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const csrf = getCsrfToken();
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response: Response;
  try {
    response = await fetch("/api/analytics/insights", { method: "POST", headers, credentials: "same-origin" });
  } catch {
    throw ApiFailure.from(0, null);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw ApiFailure.from(response.status, body);
  return body as Insights;
}
