import { Button, Group, Text } from "@mantine/core";
import { useEffect, useState } from "react";

/** How often a page polls what it shows (statuses change without a reload: issue 20.6). */
export const POLL_MS = 5000;

/** Calls `refresh` every `everyMs` while the tab is visible and `enabled`; returns when the
 * shown data last arrived (`data` changes identity on every load). */
export function usePolling(refresh: () => void, data: unknown, { everyMs = POLL_MS, enabled = true } = {}) {
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  useEffect(() => {
    if (data !== undefined) setUpdatedAt(new Date());
  }, [data]);
  useEffect(() => {
    if (!enabled) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") refresh();
    }, everyMs);
    return () => window.clearInterval(timer);
  }, [refresh, everyMs, enabled]);
  return updatedAt;
}

/** "hh:mm:ss" of a time, 24-hour. */
export function clockTime(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

/** The visible side of polling: when the page last updated, and a button to update now. */
export function UpdatedAt({ at, onRefresh }: { at: Date | null; onRefresh: () => void }) {
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="xs" c="dimmed" data-testid="updated-at">
        {at ? `updated ${clockTime(at)}` : "updating…"}
      </Text>
      <Button size="compact-xs" variant="subtle" onClick={onRefresh}>
        Refresh
      </Button>
    </Group>
  );
}
