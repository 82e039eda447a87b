// The parts the Traffic Anomaly and Spam Detection pages share: their cards, the severity and
// status badges, an alert's subject and evidence in words, Run Detection Now and Acknowledge.
import { Badge, Button, Card, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useState } from "react";
import { api, unwrap, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { severityColor } from "../../lib/anomaly";

export { evidenceOf, percent, subjectOf } from "../../lib/anomaly";

export type AlertRow = Schemas["Alert"];
export type RiskLevel = "LOW" | "MEDIUM" | "HIGH";
export const STATUSES = ["ACTIVE", "ACKNOWLEDGED"] as const;
const RISK_COLORS: Record<RiskLevel, string> = { LOW: "green", MEDIUM: "yellow", HIGH: "red" };

/** One card: its label (also its accessible name) and value. */
export function StatCard({ label, value, color, children }: { label: string; value: string; color?: string; children?: React.ReactNode }) {
  return (
    <Card withBorder role="group" aria-label={label}>
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <Text size="xl" fw={700} c={color} data-testid="stat-value">
        {value}
      </Text>
      {children}
    </Card>
  );
}

export function RiskLevelCard({ level }: { level: RiskLevel }) {
  return <StatCard label="Risk Level" value={level} color={RISK_COLORS[level]} />;
}

export function SeverityBadge({ severity }: { severity: number }) {
  return <Badge color={severityColor(severity)}>{severity}</Badge>;
}

export function StatusBadge({ status }: { status: AlertRow["status"] }) {
  return <Badge color={status === "ACTIVE" ? "red" : "gray"}>{status}</Badge>;
}

/** Run Detection Now: the detectors on the account's recent traffic; says what they found. */
export function RunDetectionButton({ onDone }: { onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    try {
      const r = unwrap(await api.POST("/api/anomalies/detect"));
      notifications.show({
        color: r.found.length ? "orange" : "green",
        message: r.found.length
          ? `Detection found ${r.anomalies} anomaly(ies) and ${r.spamAlerts} spam alert(s); fraud probability ${r.fraudProbability.toFixed(2)}`
          : "Detection found nothing unusual",
      });
      onDone();
    } catch (err) {
      notifications.show({ color: "red", message: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button onClick={run} loading={busy}>
      Run Detection Now
    </Button>
  );
}

/** Acknowledge: marks the alert reviewed (out of the active count). */
export function AcknowledgeButton({ alert, onDone }: { alert: AlertRow; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  if (alert.status !== "ACTIVE") return null;
  async function acknowledge() {
    setBusy(true);
    try {
      if (alert.kind === "SPAM") {
        unwrap(await api.POST("/api/spam/alerts/{alert_id}/acknowledge", { params: { path: { alert_id: alert.id } } }));
      } else {
        unwrap(await api.POST("/api/anomalies/{alert_id}/acknowledge", { params: { path: { alert_id: alert.id } } }));
      }
      notifications.show({ color: "green", message: `${alert.type} acknowledged` });
      onDone();
    } catch (err) {
      notifications.show({ color: "red", message: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }
  return (
    <Button size="xs" variant="light" onClick={acknowledge} loading={busy}>
      Acknowledge
    </Button>
  );
}
