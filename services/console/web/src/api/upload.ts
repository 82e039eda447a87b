// Template media uploads: POST /api/media?filename=… with the file as the raw body and its own
// Content-Type (no multipart), which the generated openapi-fetch client does not send well.
import { getCsrfToken, type Schemas } from "./client";
import { ApiFailure } from "./errors";
import { mediaContentType } from "../lib/rcs";

export type Media = Schemas["MediaOut"];

/** Uploads a file; the answer's `url` goes into the template's content (`mediaUrl`). Refusals throw an
 * ApiFailure in the API's words (field "file"). */
export async function uploadMedia(file: File, signal?: AbortSignal): Promise<Media> {
  const headers: Record<string, string> = { "Content-Type": mediaContentType(file) };
  const token = getCsrfToken();
  if (token) headers["X-CSRF-Token"] = token;
  let response: Response;
  try {
    response = await fetch(`/api/media?filename=${encodeURIComponent(file.name || "upload")}`, {
      method: "POST",
      body: file,
      headers,
      credentials: "same-origin",
      signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiFailure(0, "NETWORK", "the console cannot be reached; check your connection", "file");
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const failure = ApiFailure.from(response.status, body);
    if (response.status === 413 && failure.code.startsWith("HTTP_")) failure.message = "the file is too large";
    throw failure;
  }
  return body as Media;
}
