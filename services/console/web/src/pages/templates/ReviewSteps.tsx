import { Badge, Stack, Text } from "@mantine/core";
import { describeStatusReason } from "../../lib/errors";
import { STATUS_COLORS } from "../../lib/format";

/** What the Templates API says of a template's two reviews (WhatsApp and RCS: the admin's,
 * then the provider's; SMS and voice: the admin's alone, approved at once). */
export interface Reviewed {
  channel: string;
  status: string;
  statusReason?: string | null;
  providerStatus?: string | null;
  providerReason?: string | null;
  usable?: boolean;
}

export const PROVIDER_OF: Record<string, string> = { WHATSAPP: "Meta", RCS: "RBM" };

/** The provider's step as the user reads it: PENDING until it is registered and reviewed. */
export function providerStep(t: Reviewed): string | null {
  if (!PROVIDER_OF[t.channel]) return null;
  return t.providerStatus ?? "PENDING";
}

/** One line saying whether the template can be sent now, and what it waits for. */
export function readiness(t: Reviewed): string {
  if (t.usable) return "Ready to send";
  if (t.status === "REJECTED" || t.status === "FAILED") return "Cannot be sent: edit and re-submit";
  const provider = PROVIDER_OF[t.channel];
  if (t.status !== "APPROVED") return provider ? "Waiting for the admin's review" : "Waiting for review";
  return `Waiting for ${provider}'s approval`;
}

export function ReviewSteps({ t }: { t: Reviewed }) {
  const provider = providerStep(t);
  const reason = t.providerReason ?? t.statusReason;
  return (
    <Stack gap={2} data-testid="review-steps">
      <Text size="xs">
        Admin <Badge size="sm" color={STATUS_COLORS[t.status]}>{t.status}</Badge>
      </Text>
      {provider && (
        <Text size="xs">
          {PROVIDER_OF[t.channel]} <Badge size="sm" color={STATUS_COLORS[provider]}>{provider}</Badge>
        </Text>
      )}
      <Text size="xs" c={t.usable ? "green" : "dimmed"} data-testid="readiness">
        {readiness(t)}
      </Text>
      {reason && (
        <Text size="xs" c="red" maw={260} data-testid="status-reason">
          {describeStatusReason(reason)}
        </Text>
      )}
    </Stack>
  );
}
