import { MantineProvider } from "@mantine/core";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { engineNote, factEntries, factLabel, factValue, InsightsList, type Insights } from "./InsightsList";

const INSIGHTS: Insights = {
  engine: "builtin",
  model: null,
  generated_at: "2026-12-03T08:00:00Z",
  insights: [
    {
      kind: "underperforming_channel",
      severity: "warning",
      title: "WHATSAPP underperforms",
      text: "WHATSAPP delivered 80.0% of 1,200 messages, 15.0 percentage points below SMS (95.0%).",
      facts: { channel: "WHATSAPP", channel_rate_pct: 80.0, channel_messages: 1200, best_channel: "SMS", best_rate_pct: 95.0, gap_pp: 15.0 },
    },
    {
      kind: "best_window",
      severity: "info",
      title: "Best SMS window",
      text: "SMS carried most of its traffic between 10:00-13:00.",
      facts: { channel: "SMS", window: "10:00-13:00" },
    },
  ],
};

function render(insights: Insights): string {
  return renderToStaticMarkup(createElement(MantineProvider, null, createElement(InsightsList, { insights })));
}

describe("InsightsList", () => {
  it("shows each insight's title, text, severity badge and the facts it cites", () => {
    const html = render(INSIGHTS);
    expect(html).toContain("WHATSAPP underperforms");
    expect(html).toContain("15.0 percentage points below SMS (95.0%)");
    expect(html).toContain("Warning");
    expect(html).toContain("Info");
    expect(html).toContain("Gap: 15.0 pp");
    expect(html).toContain("Channel messages: 1,200");
    expect(html).toContain("Window: 10:00-13:00");
    expect(html.match(/data-testid="insight"/g)).toHaveLength(2);
    expect(html).toContain("Computed by the built-in engine");
  });

  it("says so when there is nothing to recommend", () => {
    expect(render({ ...INSIGHTS, insights: [] })).toContain("not enough traffic");
  });

  it("writes each fact the way the insight's text does", () => {
    expect(factValue("channel_rate_pct", 80)).toBe("80.0%");
    expect(factValue("gap_pp", 15)).toBe("15.0 pp");
    expect(factValue("channel_messages", 1200)).toBe("1,200");
    expect(factValue("error_code", "131026")).toBe("131026");
    expect(factLabel("window_rate_pct")).toBe("Window rate");
    expect(factLabel("in_quiet_hours")).toBe("In quiet hours");
    // every number a cited fact shows is one the text states
    const text = INSIGHTS.insights[0].text;
    for (const f of factEntries(INSIGHTS.insights[0].facts)) {
      for (const n of f.value.match(/\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?/g) ?? []) expect(text).toContain(n);
    }
  });

  it("names the model when one wrote the texts", () => {
    expect(engineNote({ engine: "llm", model: "smollm2" })).toBe("Written by smollm2 from the computed numbers");
    expect(engineNote({ engine: "builtin", model: null })).toContain("built-in engine");
  });
});
