// TEMPORARY: the analytics endpoints fetched by hand until the console's OpenAPI document (and so
// the typed client) carries them.
import { ApiFailure } from "../../api/errors";
import { getCsrfToken } from "../../api/client";
import type { AnalyticsSummary, CampaignPerformancePage, Insights, Intelligence } from "./types";

async function call<T>(method: "GET" | "POST", path: string, query?: Record<string, string | number | undefined>): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") q.set(k, String(v));
  const headers: Record<string, string> = { Accept: "application/json" };
  const csrf = getCsrfToken();
  if (method === "POST" && csrf) headers["X-CSRF-Token"] = csrf;
  let response: Response;
  try {
    response = await fetch(`${path}${q.size ? `?${q}` : ""}`, { method, headers, credentials: "same-origin" });
  } catch {
    throw ApiFailure.from(0, null);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw ApiFailure.from(response.status, body);
  return body as T;
}

export const getSummary = (query: Record<string, string>) => call<AnalyticsSummary>("GET", "/api/analytics/summary", query);
export const getIntelligence = () => call<Intelligence>("GET", "/api/analytics/intelligence");
export const getCampaigns = (query: { search?: string; page: number; page_size: number }) =>
  call<CampaignPerformancePage>("GET", "/api/analytics/campaigns", query);
export const postInsights = () => call<Insights>("POST", "/api/analytics/insights");
