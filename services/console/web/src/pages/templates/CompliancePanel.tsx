// The "Check compliance" button of every template form and the verdict it shows: the risk score, the
// risk level in its colour, the checked text with each warning's span highlighted, and each warning's
// rule, title and suggestion with an "Apply" button that rewrites the span in its field (the check then
// runs again). ComplianceResult alone (no Apply) is what the admin's approvals queue shows.
import { Alert, Badge, Box, Button, Group, Paper, Stack, Text } from "@mantine/core";
import { useEffect, useState } from "react";
import { api, unwrap } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { applySuggestion, compose, highlight, isStale, locate, RISK_COLORS, type ComplianceWarning, type Composed, type Verdict } from "./compliance";
import type { TemplateFormState } from "./useTemplateForm";

const MARK_STYLE = { background: "#ffe066", borderRadius: 3, padding: "0 2px" } as const;

/** The checked text with the warnings' spans marked (each mark names its rules). */
export function HighlightedText({ text, warnings, label = "Checked text" }: { text: string; warnings: readonly ComplianceWarning[]; label?: string }) {
  const segments = highlight(
    text,
    warnings.map((w) => ({ start: w.span.start, end: w.span.end, check: w.check })),
  );
  return (
    <Paper withBorder p="xs" bg="gray.0" role="region" aria-label={label}>
      <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
        {segments.map((s, i) =>
          s.checks.length ? (
            <mark key={i} data-check={s.checks.join(" ")} title={s.checks.join(", ")} style={MARK_STYLE}>
              {s.text}
            </mark>
          ) : (
            <span key={i}>{s.text}</span>
          ),
        )}
      </Text>
    </Paper>
  );
}

/** Score, level, highlighted text and warnings; `onApply` (the form's) adds an Apply button to each. */
export function ComplianceResult({
  verdict,
  text,
  onApply,
  where,
}: {
  verdict: Verdict;
  text: string;
  onApply?: (warning: ComplianceWarning) => void;
  /** The field a warning's span falls in ("Body", "Footer"), when the form knows. */
  where?: (warning: ComplianceWarning) => string | null;
}) {
  return (
    <Stack gap="xs" data-testid="compliance-result">
      <Group gap="md">
        <Text size="sm">
          Risk Score:{" "}
          <Text span fw={700} data-testid="risk-score">
            {verdict.riskScore}
          </Text>
          /100
        </Text>
        <Text size="sm">
          Risk Level:{" "}
          <Badge color={RISK_COLORS[verdict.riskLevel]} variant="filled" data-testid="risk-level">
            {verdict.riskLevel}
          </Badge>
        </Text>
      </Group>
      {verdict.warnings.length === 0 ? (
        <Text size="sm" c="green.8">
          No rule is triggered.
        </Text>
      ) : (
        <>
          <HighlightedText text={text} warnings={verdict.warnings} />
          {verdict.warnings.map((w, i) => {
            const field = where?.(w);
            return (
              <Paper key={`${w.check}-${i}`} withBorder p="xs" data-testid="compliance-warning" data-check={w.check}>
                <Group gap="xs" wrap="nowrap" align="flex-start">
                  <Badge variant="light" color={RISK_COLORS[verdict.riskLevel]} style={{ flexShrink: 0 }}>
                    {w.check}
                  </Badge>
                  <Box style={{ flex: 1, minWidth: 0 }}>
                    <Text size="sm" fw={500}>
                      {w.title}
                    </Text>
                    <Text size="xs" c="dimmed">
                      “{w.span.text}”{field ? ` in ${field}` : ""}
                    </Text>
                    <Text size="sm" mt={2}>
                      Suggestion: <Text span fs="italic">{w.suggestion}</Text>
                    </Text>
                  </Box>
                  {onApply && (
                    <Button size="compact-xs" variant="light" onClick={() => onApply(w)} aria-label={`Apply the suggestion for ${w.check}`}>
                      Apply
                    </Button>
                  )}
                </Group>
              </Paper>
            );
          })}
        </>
      )}
    </Stack>
  );
}

/** The form's check: the button, the verdict on what the form holds, its suggestions applied to the fields. */
export function ComplianceCheck({ form }: { form: TemplateFormState }) {
  const composed = compose(form.checkParts());
  const [result, setResult] = useState<{ verdict: Verdict; composed: Composed } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [recheck, setRecheck] = useState(false);

  async function run(target: Composed) {
    if (!target.text.trim()) {
      setError("write the template's text first");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const verdict = unwrap(
        await api.POST("/api/compliance/check", { body: { text: target.text, channel: form.channel, category: form.category || null } }),
      );
      setResult({ verdict, composed: target });
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  // after an Apply, check again once the field holds the rewritten text
  useEffect(() => {
    if (recheck) {
      setRecheck(false);
      void run(composed);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [recheck, composed.text]);

  function apply(warning: ComplianceWarning) {
    if (!result) return;
    const at = locate(result.composed, warning.span);
    const part = at && composed.parts.find((p) => p.key === at.key);
    const rewritten = at && part ? applySuggestion(part.text, at, warning.suggestion) : null;
    if (!at || rewritten === null) {
      setError(`“${warning.span.text}” is no longer in the text; check again`);
      return;
    }
    form.applyPart(at.key, rewritten);
    setRecheck(true);
  }

  const stale = result !== null && isStale(result.composed.text, composed);
  return (
    <Paper withBorder p="sm" role="region" aria-label="Compliance check">
      <Group justify="space-between" mb={result || error ? "xs" : 0}>
        <Text size="sm" fw={600}>
          TRAI/DLT compliance
        </Text>
        <Button size="xs" variant="light" loading={busy} onClick={() => run(composed)}>
          Check compliance
        </Button>
      </Group>
      {error && (
        <Alert color="orange" p="xs" mb="xs" data-testid="compliance-error">
          {error}
        </Alert>
      )}
      {result && (
        <>
          {stale && (
            <Text size="xs" c="orange.8" mb={4}>
              The text has changed since this check; check again for a current verdict.
            </Text>
          )}
          <ComplianceResult
            verdict={result.verdict}
            text={result.composed.text}
            onApply={apply}
            where={(w) => (result.composed.parts.length > 1 ? (locate(result.composed, w.span)?.label ?? null) : null)}
          />
        </>
      )}
    </Paper>
  );
}
