// The RCS live preview: a phone showing the text with its suggestion chips, the rich card, or the
// carousel as a horizontally scrollable row of cards. Uploaded media shows at once (local copy).
import { Box, Text } from "@mantine/core";
import { previewUrl, rcsBody, SUGGESTION_LABELS, type CardForm, type CardHeight, type RcsForm, type SuggestionForm } from "../../lib/rcs";

const MEDIA_HEIGHT: Record<CardHeight, number> = { SHORT: 84, MEDIUM: 126, TALL: 198 };
const CAROUSEL_WIDTH = { SMALL: 130, MEDIUM: 190 } as const;
const ICON = { REPLY: "", DIAL: "☎ ", OPEN_URL: "↗ " } as const;

function chipText(s: SuggestionForm) {
  return ICON[s.type] + (s.text.trim() || SUGGESTION_LABELS[s.type]);
}

function Chips({ suggestions }: { suggestions: SuggestionForm[] }) {
  if (!suggestions.length) return null;
  return (
    <Box style={{ display: "flex", flexWrap: "wrap", gap: 6, marginTop: 6 }}>
      {suggestions.map((s, i) => (
        <Box key={i} style={{ border: "1px solid #1a73e8", color: "#1a73e8", borderRadius: 16, padding: "2px 10px", background: "#fff" }}>
          <Text size="xs">{chipText(s)}</Text>
        </Box>
      ))}
    </Box>
  );
}

function CardMedia({ card, label, height, width }: { card: CardForm; label: string; height?: number; width?: string }) {
  const url = previewUrl(card.media);
  const style = { display: "block", width: width ?? "100%", height: height ?? "100%", objectFit: "cover", background: "#ccc" } as const;
  if (!url)
    return card.media.uploading ? (
      <Box style={{ ...style, display: "flex", alignItems: "center", justifyContent: "center" }}>
        <Text size="xs">Uploading…</Text>
      </Box>
    ) : null;
  if (card.media.kind === "video") return <video src={url} aria-label={`${label} video`} muted controls style={style} />;
  return <img src={url} alt={`${label} image`} style={style} />;
}

function CardBody({ card, label }: { card: CardForm; label: string }) {
  return (
    <Box p={8}>
      <Text size="sm" fw={700} lineClamp={2}>
        {card.title || (card.description || card.media.mediaUrl || card.media.localUrl ? "" : `${label} title`)}
      </Text>
      {card.description && (
        <Text size="xs" c="dimmed" style={{ whiteSpace: "pre-wrap" }} lineClamp={4}>
          {card.description}
        </Text>
      )}
      {card.suggestions.map((s, i) => (
        <Box key={i} mt={6} pt={4} style={{ borderTop: "1px solid #eee", textAlign: "center", color: "#1a73e8" }}>
          <Text size="xs" fw={500}>
            {chipText(s)}
          </Text>
        </Box>
      ))}
    </Box>
  );
}

const cardStyle = { background: "#fff", borderRadius: 12, overflow: "hidden", boxShadow: "0 1px 2px rgba(0,0,0,.2)" } as const;

function RichCard({ form }: { form: RcsForm }) {
  const { card } = form;
  const width = form.width === "SMALL" ? "65%" : "100%";
  const hasMedia = !!previewUrl(card.media) || card.media.uploading;
  if (form.orientation === "HORIZONTAL") {
    const media = hasMedia && (
      <Box style={{ width: "40%", flexShrink: 0 }}>
        <CardMedia card={card} label="Card" height={140} />
      </Box>
    );
    return (
      <Box data-testid="rcs-rich-card" style={{ ...cardStyle, width, display: "flex", flexDirection: form.imageAlignment === "RIGHT" ? "row-reverse" : "row" }}>
        {media}
        <Box style={{ flex: 1, minWidth: 0 }}>
          <CardBody card={card} label="Card" />
        </Box>
      </Box>
    );
  }
  return (
    <Box data-testid="rcs-rich-card" style={{ ...cardStyle, width }}>
      {hasMedia && <CardMedia card={card} label="Card" height={MEDIA_HEIGHT[form.height]} />}
      <CardBody card={card} label="Card" />
    </Box>
  );
}

function Carousel({ form }: { form: RcsForm }) {
  const width = CAROUSEL_WIDTH[form.width];
  return (
    <Box
      role="region"
      aria-label="Scrollable row of cards"
      tabIndex={0}
      data-testid="rcs-carousel"
      style={{ display: "flex", gap: 8, overflowX: "auto", paddingBottom: 6, scrollSnapType: "x mandatory" }}
    >
      {form.cards.map((card, i) => {
        const label = `Card ${i + 1}`;
        const hasMedia = !!previewUrl(card.media) || card.media.uploading;
        return (
          <Box key={card.key} data-testid="rcs-carousel-card" style={{ ...cardStyle, width, flex: `0 0 ${width}px`, scrollSnapAlign: "start" }}>
            {hasMedia && <CardMedia card={card} label={label} height={MEDIA_HEIGHT[form.height]} />}
            <CardBody card={card} label={label} />
          </Box>
        );
      })}
    </Box>
  );
}

export function RcsPreview({ form, botName }: { form: RcsForm; botName?: string }) {
  const fallback = form.templateType === "TEXT" ? "" : rcsBody(form);
  return (
    <Box role="region" aria-label="RCS preview" style={{ background: "#f8f9fa", borderRadius: 24, border: "8px solid #222", minHeight: 380, overflow: "hidden" }}>
      <Box px="sm" py={8} style={{ background: "#fff", borderBottom: "1px solid #e9ecef" }}>
        <Text size="sm" fw={600}>
          {botName || "Your RCS bot"}
        </Text>
        <Text size="xs" c="dimmed">
          Verified business · RCS
        </Text>
      </Box>
      <Box p="sm">
        {form.templateType === "TEXT" && (
          <>
            <Box style={{ background: "#e8eaed", borderRadius: "4px 16px 16px 16px", padding: "8px 12px", maxWidth: "90%" }}>
              <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
                {form.body || (
                  <Text span c="dimmed">
                    Your message appears here
                  </Text>
                )}
              </Text>
            </Box>
            <Chips suggestions={form.suggestions} />
          </>
        )}
        {form.templateType === "RICH_CARD" && <RichCard form={form} />}
        {form.templateType === "CAROUSEL" && <Carousel form={form} />}
        {form.templateType !== "TEXT" && (
          <Text size="xs" c="dimmed" mt="sm">
            Fallback text: {fallback || "—"}
          </Text>
        )}
      </Box>
    </Box>
  );
}
