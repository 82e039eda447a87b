// Pieces of the Bulk Campaign page: the status badge with its reason, the progress bar, the action
// buttons, and the campaign picker Reports filters with.
import { Badge, Button, Group, Progress, Select, Stack, Text } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { useLoad } from "../../lib/useLoad";
import { actionsFor, CAMPAIGN_STATUS_COLORS, progressPercent, type CampaignAction, type CampaignStatus } from "./campaigns";
import type { Campaign } from "./upload";

const ACTION_LABEL: Record<CampaignAction, string> = { pause: "Pause", resume: "Resume", cancel: "Cancel" };

export function StatusBadge({ campaign, withReason = true }: { campaign: Campaign; withReason?: boolean }) {
  return (
    <Stack gap={2}>
      <Badge color={CAMPAIGN_STATUS_COLORS[campaign.status as CampaignStatus] ?? "gray"} data-testid="campaign-status">
        {campaign.status}
      </Badge>
      {withReason && campaign.statusReason && (
        <Text size="xs" c="dimmed" maw={320} data-testid="campaign-status-reason">
          {campaign.statusReason}
        </Text>
      )}
    </Stack>
  );
}

export function CampaignProgress({ campaign }: { campaign: Campaign }) {
  const percent = progressPercent(campaign);
  return (
    <Group gap="xs" wrap="nowrap" miw={150}>
      <Progress
        value={percent}
        w={100}
        color={campaign.status === "FAILED" ? "red" : campaign.status === "COMPLETED" ? "green" : "blue"}
        animated={campaign.status === "PROCESSING" || campaign.status === "CREATED"}
        aria-label={`Progress of ${campaign.name}`}
      />
      <Text size="xs" data-testid="campaign-progress">
        {percent}%
      </Text>
    </Group>
  );
}

/** Pause / Resume / Cancel as the status allows; `onAct` runs the action (the caller reloads). */
export function CampaignActions({
  campaign,
  onAct,
  busy,
}: {
  campaign: Campaign;
  onAct: (action: CampaignAction) => void;
  busy: boolean;
}) {
  const actions = actionsFor(campaign.status);
  if (!actions.length) return null;
  return (
    <Group gap={4} wrap="nowrap" onClick={(e) => e.stopPropagation()}>
      {actions.map((a) => (
        <Button
          key={a}
          size="compact-xs"
          variant={a === "cancel" ? "subtle" : "light"}
          color={a === "cancel" ? "red" : undefined}
          disabled={busy}
          aria-label={`${ACTION_LABEL[a]} ${campaign.name}`}
          onClick={() => onAct(a)}
        >
          {ACTION_LABEL[a]}
        </Button>
      ))}
    </Group>
  );
}

/** Runs an action on a campaign through the console's API; the caller shows the refusal. */
export async function actOn(campaignId: number, action: CampaignAction): Promise<Campaign> {
  return unwrap(await api.POST("/api/campaigns/{campaign_id}/{action}", { params: { path: { campaign_id: campaignId, action } } }));
}

/** A campaign chosen by its name (searched on the server); the value is its id. */
export function CampaignSelect({
  value,
  onChange,
  w = 220,
}: {
  value: string | null;
  onChange: (value: string | null) => void;
  w?: number;
}) {
  const [search, setSearch] = useState("");
  const [query] = useDebouncedValue(search, 300);
  const found = useLoad(
    async () => unwrap(await api.GET("/api/campaigns", { params: { query: { search: query.trim() || undefined, pageSize: 20 } } })).items,
    [query],
  );
  const chosen = useLoad(
    async () =>
      value && /^\d+$/.test(value)
        ? unwrap(await api.GET("/api/campaigns/{campaign_id}", { params: { path: { campaign_id: Number(value) } } }))
        : null,
    [value],
  );
  const options = new Map<string, string>();
  if (chosen.data) options.set(String(chosen.data.id), chosen.data.name);
  for (const c of found.data ?? []) options.set(String(c.id), c.name);
  return (
    <Select
      label="Campaign"
      placeholder="Any campaign"
      searchable
      clearable
      w={w}
      data={[...options].map(([id, name]) => ({ value: id, label: name }))}
      value={value}
      onChange={onChange}
      onSearchChange={setSearch}
      nothingFoundMessage={found.error ? "campaigns cannot be listed now" : "No campaign of that name"}
    />
  );
}
