// The RCS template form: Text Only, Rich Card or Carousel (2-10 cards), with uploads and a live preview.
import { Box, Button, Group, Paper, Radio, SimpleGrid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { useState } from "react";
import { api, unwrap } from "../../api/client";
import { ApiFailure, errorMessage } from "../../api/errors";
import {
  addCard,
  buildRcsContent,
  canAddCard,
  canAddSuggestion,
  canRemoveCard,
  emptyRcsForm,
  MAX_CAROUSEL_CARDS,
  MAX_SUGGESTION_CHARS,
  MAX_SUGGESTIONS,
  MIN_CAROUSEL_CARDS,
  newSuggestion,
  RCS_MEDIA_KINDS,
  RCS_TYPE_LABELS,
  rcsBody,
  rcsErrorKey,
  rcsFormFromTemplate,
  removeCard,
  SUGGESTION_LABELS,
  validateRcs,
  type CardForm,
  type CardHeight,
  type CardWidth,
  type ImageAlignment,
  type MediaState,
  type Orientation,
  type RcsForm as RcsFormState,
  type RcsTemplateType,
  type SuggestionForm,
  type SuggestionType,
} from "../../lib/rcs";
import type { CheckPart } from "./compliance";
import { RcsPreview } from "./RcsPreview";
import { Choice, MediaUpload, revokeAll, TemplateFormLayout, type FormProps } from "./shared";
import { useIdentity, useMediaCleanup, useTemplateForm } from "./useTemplateForm";

const WIDTHS = [
  { value: "SMALL", label: "Small" },
  { value: "MEDIUM", label: "Medium" },
];
const HEIGHTS = [
  { value: "SHORT", label: "Short" },
  { value: "MEDIUM", label: "Medium" },
  { value: "TALL", label: "Tall" },
];
const SUGGESTION_TYPES = (Object.keys(SUGGESTION_LABELS) as SuggestionType[]).map((t) => ({ value: t, label: SUGGESTION_LABELS[t] }));
const FALLBACK_LABEL = "Fallback text (shown where RCS rich content is not supported)";

type ListUpdate = (update: (list: SuggestionForm[]) => SuggestionForm[]) => void;

function SuggestionsEditor({
  owner,
  list,
  onChange,
  errors,
  errorPrefix,
}: {
  /** "" for the message's own suggestions, or the card's label ("Card", "Card 2"). */
  owner: string;
  list: SuggestionForm[];
  onChange: ListUpdate;
  errors: Record<string, string>;
  errorPrefix: string;
}) {
  const name = (i: number) => (owner ? `${owner} suggestion ${i + 1}` : `Suggestion ${i + 1}`);
  const update = (i: number, p: Partial<SuggestionForm>) => onChange((l) => l.map((s, j) => (j === i ? { ...s, ...p } : s)));
  const listError = errors[`${errorPrefix}suggestions`];
  return (
    <Box>
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          {owner ? `${owner} suggestions` : "Suggestions"}{" "}
          <Text span size="xs" c="dimmed">
            (up to {MAX_SUGGESTIONS}: Quick Reply, Dial or Open URL)
          </Text>
        </Text>
        <Button
          size="xs"
          variant="light"
          disabled={!canAddSuggestion(list)}
          onClick={() => onChange((l) => (canAddSuggestion(l) ? [...l, newSuggestion()] : l))}
          aria-label={owner ? `Add suggestion to ${owner.toLowerCase()}` : "Add suggestion"}
        >
          Add suggestion
        </Button>
      </Group>
      {list.map((s, i) => {
        const at = `${errorPrefix}suggestions.${i}.`;
        return (
          <Paper key={i} withBorder p="xs" mt="xs" bg="gray.0">
            <Group align="flex-end" justify="space-between" wrap="nowrap">
              <Choice
                w={240}
                label={`${name(i)} type`}
                data={SUGGESTION_TYPES}
                value={s.type}
                onChange={(v) => update(i, { type: v as SuggestionType })}
                error={errors[at + "type"]}
              />
              <Button size="xs" variant="subtle" color="red" onClick={() => onChange((l) => l.filter((_, j) => j !== i))} aria-label={`Remove ${name(i).toLowerCase()}`}>
                Remove
              </Button>
            </Group>
            <SimpleGrid cols={{ base: 1, sm: s.type === "REPLY" ? 1 : 2 }} mt="xs" spacing="xs">
              <TextInput
                label={`${name(i)} text`}
                description={`Up to ${MAX_SUGGESTION_CHARS} characters`}
                maxLength={MAX_SUGGESTION_CHARS}
                value={s.text}
                onChange={(e) => update(i, { text: e.currentTarget.value })}
                error={errors[at + "text"]}
                required
              />
              {s.type === "DIAL" && (
                <TextInput
                  label={`${name(i)} phone number`}
                  description="International format"
                  placeholder="+919876543210"
                  value={s.phoneNumber}
                  onChange={(e) => update(i, { phoneNumber: e.currentTarget.value })}
                  error={errors[at + "phoneNumber"]}
                  required
                />
              )}
              {s.type === "OPEN_URL" && (
                <TextInput
                  label={`${name(i)} URL`}
                  description="The page the button opens"
                  placeholder="https://…"
                  value={s.url}
                  onChange={(e) => update(i, { url: e.currentTarget.value })}
                  error={errors[at + "url"]}
                  required
                />
              )}
            </SimpleGrid>
          </Paper>
        );
      })}
      {listError && (
        <Text size="xs" c="red" mt={4}>
          {listError}
        </Text>
      )}
    </Box>
  );
}

function CardEditor({
  label,
  card,
  onChange,
  errors,
  errorPrefix,
}: {
  label: string;
  card: CardForm;
  onChange: (update: (c: CardForm) => CardForm) => void;
  errors: Record<string, string>;
  errorPrefix: string;
}) {
  const setMedia = (update: (m: MediaState) => MediaState) => onChange((c) => ({ ...c, media: update(c.media) }));
  return (
    <Stack gap="sm">
      <MediaUpload
        id={`${card.key}-media`}
        label={`${label} image or video`}
        removeLabel={`Remove the ${label.toLowerCase()} upload`}
        kinds={RCS_MEDIA_KINDS}
        value={card.media}
        onChange={setMedia}
        error={errors[errorPrefix + "media"]}
      />
      <TextInput label={`${label} title`} maxLength={200} value={card.title} onChange={(e) => onChange((c) => ({ ...c, title: e.currentTarget.value }))} error={errors[errorPrefix + "title"]} />
      <Textarea
        label={`${label} description`}
        autosize
        minRows={2}
        maxLength={2000}
        value={card.description}
        onChange={(e) => onChange((c) => ({ ...c, description: e.currentTarget.value }))}
        error={errors[errorPrefix + "description"]}
      />
      <SuggestionsEditor
        owner={label}
        list={card.suggestions}
        onChange={(update) => onChange((c) => ({ ...c, suggestions: update(c.suggestions) }))}
        errors={errors}
        errorPrefix={errorPrefix}
      />
    </Stack>
  );
}

/** The card width and height of a rich card, or of every card of a carousel. */
function CardSize({
  form,
  patch,
  errors,
  description,
}: {
  form: RcsFormState;
  patch: (p: Partial<RcsFormState>) => void;
  errors: Record<string, string>;
  description?: string;
}) {
  return (
    <Group grow align="flex-start">
      <Choice label="Card width" description={description} data={WIDTHS} value={form.width} onChange={(v) => patch({ width: v as CardWidth })} error={errors.width} />
      <Choice label="Card height" description={description} data={HEIGHTS} value={form.height} onChange={(v) => patch({ height: v as CardHeight })} error={errors.height} />
    </Group>
  );
}

/** What a recipient reads of the RCS form, for the compliance check (keys as `withPart` writes them). */
function rcsCheckParts(form: RcsFormState): CheckPart[] {
  const suggestions = (owner: string, label: string, list: SuggestionForm[]) =>
    list.map((s, i) => ({ key: `${owner}suggestion.${i}`, label: `${label}suggestion ${i + 1}`, text: s.text }));
  if (form.templateType === "TEXT") return [{ key: "body", label: "Body", text: form.body }, ...suggestions("", "", form.suggestions)];
  const cards = form.templateType === "RICH_CARD" ? [form.card] : form.cards;
  const parts = cards.flatMap((c, i) => {
    const label = form.templateType === "RICH_CARD" ? "Card " : `Card ${i + 1} `;
    const owner = `card.${c.key}.`;
    return [
      { key: `${owner}title`, label: `${label}title`, text: c.title },
      { key: `${owner}description`, label: `${label}description`, text: c.description },
      ...suggestions(owner, label, c.suggestions),
    ];
  });
  return [...parts, { key: "fallback", label: "Fallback text", text: form.fallback }];
}

/** The form with one checked part's text replaced (a compliance suggestion applied). */
function withPart(form: RcsFormState, key: string, value: string): RcsFormState {
  const setText = (list: SuggestionForm[], i: number) => list.map((s, j) => (j === i ? { ...s, text: value } : s));
  if (key === "body") return { ...form, body: value };
  if (key === "fallback") return { ...form, fallback: value };
  if (key.startsWith("suggestion.")) return { ...form, suggestions: setText(form.suggestions, Number(key.split(".")[1])) };
  const [, cardKey, field, index] = key.split(".");
  const update = (c: CardForm): CardForm => {
    if (c.key !== cardKey) return c;
    if (field === "title") return { ...c, title: value };
    if (field === "description") return { ...c, description: value };
    return { ...c, suggestions: setText(c.suggestions, Number(index)) };
  };
  return { ...form, card: update(form.card), cards: form.cards.map(update) };
}

export function RcsForm({ editing, onSaved }: FormProps) {
  const bot = useIdentity(async () => unwrap(await api.GET("/api/channels/rcs")), editing?.rcsBotId);
  const [form, setForm] = useState<RcsFormState>(() => (editing ? rcsFormFromTemplate(editing) : emptyRcsForm()));
  const template = useTemplateForm({
    channel: "RCS",
    editing,
    onSaved,
    validate: () => {
      const invalid = validateRcs(form);
      if (!bot.value) invalid.rcsBotId = "choose the RCS bot";
      return invalid;
    },
    invalidMessage: "Check the fields marked in red.",
    build: () => ({
      body: rcsBody(form),
      category: undefined,
      templateType: form.templateType,
      rcsBotId: Number(bot.value),
      content: buildRcsContent(form),
    }),
    mapError: (err) => (err instanceof ApiFailure ? { [rcsErrorKey(err.field)]: err.message } : { _form: errorMessage(err) }),
    checkParts: () => rcsCheckParts(form),
    applyPart: (key, value) => setForm((f) => withPart(f, key, value)),
    applyDraft: (draft) =>
      setForm((f) => {
        const drafted = rcsFormFromTemplate({ templateType: "TEXT", body: draft.body, content: draft.content ?? {} });
        return { ...f, templateType: "TEXT", body: drafted.body, suggestions: drafted.suggestions };
      }),
  });
  const { errors } = template;
  const active = bot.active;
  useMediaCleanup(() => [form.card, ...form.cards].map((c) => c.media));

  const patch = (p: Partial<RcsFormState>) => setForm((f) => ({ ...f, ...p }));
  function updateCard(key: string, update: (c: CardForm) => CardForm) {
    setForm((f) => (f.card.key === key ? { ...f, card: update(f.card) } : { ...f, cards: f.cards.map((c) => (c.key === key ? update(c) : c)) }));
  }
  function dropCard(key: string) {
    setForm((f) => {
      const gone = f.cards.find((c) => c.key === key);
      const cards = removeCard(f.cards, key);
      if (gone && cards !== f.cards) revokeAll([gone.media]);
      return { ...f, cards };
    });
  }

  const botName =
    active.find((b) => String(b.id) === bot.value)?.displayName ??
    (editing?.rcsBotId && String(editing.rcsBotId) === bot.value ? (editing.identity ?? undefined) : undefined);
  const isCard = form.templateType !== "TEXT";

  return (
    <TemplateFormLayout
      form={template}
      hint="RCS templates go to PENDING until an admin approves them; they are submitted to the Virtuoso RBM platform for registration."
      preview={<RcsPreview form={form} botName={botName} />}
      stickyPreview
    >
      <Choice
        label="RCS bot"
        description={!bot.state.loading && !active.length ? "Your RCS bot must be active. Contact admin if RCS is unavailable." : undefined}
        placeholder={bot.state.loading && !bot.state.data ? "Loading…" : active.length ? "Choose a bot" : "No active RCS bot"}
        data={active.map((b) => ({ value: String(b.id), label: `${b.displayName} (${b.handle})` }))}
        value={bot.value}
        onChange={(v) => bot.setValue(v)}
        error={errors.rcsBotId ?? (bot.state.error ? errorMessage(bot.state.error) : undefined)}
        required
      />
      <Radio.Group
        label="Template type"
        value={form.templateType}
        onChange={(v) => patch({ templateType: v as RcsTemplateType })}
        error={errors.templateType}
      >
        <Group mt={4}>
          {(Object.keys(RCS_TYPE_LABELS) as RcsTemplateType[]).map((t) => (
            <Radio key={t} value={t} label={RCS_TYPE_LABELS[t]} />
          ))}
        </Group>
      </Radio.Group>

      {form.templateType === "TEXT" && (
        <>
          <Textarea label="Body" description="The message text" autosize minRows={4} value={form.body} onChange={(e) => patch({ body: e.currentTarget.value })} error={errors.body} required />
          <SuggestionsEditor owner="" list={form.suggestions} onChange={(update) => setForm((f) => ({ ...f, suggestions: update(f.suggestions) }))} errors={errors} errorPrefix="" />
        </>
      )}

      {form.templateType === "RICH_CARD" && (
        <>
          <Group grow align="flex-start">
            <Choice
              label="Orientation"
              data={[
                { value: "VERTICAL", label: "Vertical" },
                { value: "HORIZONTAL", label: "Horizontal" },
              ]}
              value={form.orientation}
              onChange={(v) => patch({ orientation: v as Orientation })}
              error={errors.orientation}
            />
            {form.orientation === "HORIZONTAL" && (
              <Choice
                label="Image alignment"
                data={[
                  { value: "LEFT", label: "Left" },
                  { value: "RIGHT", label: "Right" },
                ]}
                value={form.imageAlignment}
                onChange={(v) => patch({ imageAlignment: v as ImageAlignment })}
                error={errors.imageAlignment}
              />
            )}
          </Group>
          <CardSize form={form} patch={patch} errors={errors} />
          <Paper withBorder p="sm">
            <CardEditor label="Card" card={form.card} onChange={(u) => updateCard(form.card.key, u)} errors={errors} errorPrefix="card." />
          </Paper>
        </>
      )}

      {form.templateType === "CAROUSEL" && (
        <>
          <CardSize form={form} patch={patch} errors={errors} description="Applies to all cards" />
          {form.cards.map((card, i) => (
            <Paper key={card.key} withBorder p="sm" data-testid="carousel-card-editor">
              <Group justify="space-between" mb="xs">
                <Text fw={600}>Card {i + 1}</Text>
                <Button
                  size="xs"
                  variant="subtle"
                  color="red"
                  disabled={!canRemoveCard(form.cards)}
                  onClick={() => dropCard(card.key)}
                  aria-label={`Remove card ${i + 1}`}
                  title={canRemoveCard(form.cards) ? undefined : `A carousel has at least ${MIN_CAROUSEL_CARDS} cards`}
                >
                  Remove card
                </Button>
              </Group>
              <CardEditor label={`Card ${i + 1}`} card={card} onChange={(u) => updateCard(card.key, u)} errors={errors} errorPrefix={`cards.${i}.`} />
            </Paper>
          ))}
          <Group justify="space-between">
            <Text size="xs" c={errors.cards ? "red" : "dimmed"}>
              {errors.cards ?? `${form.cards.length} of ${MAX_CAROUSEL_CARDS} cards (at least ${MIN_CAROUSEL_CARDS})`}
            </Text>
            <Button variant="light" disabled={!canAddCard(form.cards)} onClick={() => setForm((f) => ({ ...f, cards: addCard(f.cards) }))}>
              Add Card
            </Button>
          </Group>
        </>
      )}

      {isCard && (
        <Textarea
          label={FALLBACK_LABEL}
          description="Leave empty to use the first card's title and description"
          autosize
          minRows={2}
          value={form.fallback}
          onChange={(e) => patch({ fallback: e.currentTarget.value })}
          error={errors.body}
        />
      )}
    </TemplateFormLayout>
  );
}
