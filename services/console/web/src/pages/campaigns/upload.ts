// POST /api/campaigns: the form's fields and the CSV as multipart/form-data, sent by fetch (the browser
// streams the file from disk; the generated openapi-fetch client does not build multipart bodies well).
import { getCsrfToken, type Schemas } from "../../api/client";
import { ApiFailure } from "../../api/errors";

export type Campaign = Schemas["CampaignOut"];

/** Creates the campaign; a refusal throws an ApiFailure in the API's words, with its field. */
export async function createCampaign(fields: [string, string][], file: File): Promise<Campaign> {
  const form = new FormData();
  for (const [name, value] of fields) form.append(name, value);
  form.append("file", file, file.name || "recipients.csv");
  const headers: Record<string, string> = {};
  const token = getCsrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  let response: Response;
  try {
    response = await fetch("/api/campaigns", { method: "POST", body: form, headers, credentials: "same-origin" });
  } catch {
    throw new ApiFailure(0, "NETWORK", "the console cannot be reached; check your connection", "file");
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const failure = ApiFailure.from(response.status, body);
    if (response.status === 413 && failure.code.startsWith("HTTP_")) failure.message = "the file is too large";
    throw failure;
  }
  return body as Campaign;
}
