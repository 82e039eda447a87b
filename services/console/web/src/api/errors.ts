// Every API refusal has one shape: {"error": {"code", "message", "field"}}.

export interface ApiErrorBody {
  code: string;
  message: string;
  field?: string | null;
}

export class ApiFailure extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field: string | null = null,
  ) {
    super(message);
    this.name = "ApiFailure";
  }

  static from(status: number, body: unknown): ApiFailure {
    const parsed = parseErrorBody(body);
    if (parsed) return new ApiFailure(status, parsed.code, parsed.message, parsed.field ?? null);
    if (status === 0) return new ApiFailure(0, "NETWORK", "the console cannot be reached; check your connection");
    return new ApiFailure(status, "HTTP_" + status, `the server answered ${status}`);
  }
}

export function parseErrorBody(body: unknown): ApiErrorBody | null {
  if (!body || typeof body !== "object") return null;
  const err = (body as { error?: unknown }).error;
  if (!err || typeof err !== "object") return null;
  const { code, message, field } = err as Record<string, unknown>;
  if (typeof message !== "string") return null;
  return {
    code: typeof code === "string" ? code : "ERROR",
    message,
    field: typeof field === "string" ? field : null,
  };
}

/** A human sentence for anything thrown: the API's own words when it was an API refusal. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiFailure) return error.message;
  if (error instanceof TypeError) return "the console cannot be reached; check your connection";
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Field-keyed errors for a form: the API's `field` (e.g. "dltTemplateId", "content.footer") keyed by its
 * first segment, or "_form" when the error names no field this form knows. */
export function fieldErrors(error: unknown, known: readonly string[]): Record<string, string> {
  if (!(error instanceof ApiFailure)) return { _form: errorMessage(error) };
  const field = error.field ?? "";
  const key = known.find((k) => field === k || field.startsWith(k + ".")) ?? "_form";
  return { [key]: error.message };
}
