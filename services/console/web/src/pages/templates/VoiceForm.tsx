import { Badge, Box, Button, Group, Text, Textarea } from "@mantine/core";
import { useState } from "react";
import { fieldErrors } from "../../api/errors";
import { buildVoiceContent, VOICE_LANGUAGES, voiceFormFromTemplate, type Voice, type VoiceForm as VoiceSettings } from "../../lib/rcs";
import { Choice, TemplateFormLayout, type FormProps } from "./shared";
import { useTemplateForm } from "./useTemplateForm";

const VOICE_FIELDS = ["name", "body", "templateType", "content.voice", "content.language", "content.repeat", "content"] as const;

export function VoiceForm({ editing, onSaved }: FormProps) {
  const [settings, setSettings] = useState<VoiceSettings>(() =>
    editing ? voiceFormFromTemplate(editing.content) : { voice: "female", language: "en-IN", repeat: 1 },
  );
  const form = useTemplateForm({
    channel: "VOICE",
    editing,
    onSaved,
    build: () => ({
      language: settings.language.split("-")[0] || "en",
      category: undefined,
      templateType: "TTS",
      content: buildVoiceContent(settings),
    }),
    mapError: (err) => {
      const fe = fieldErrors(err, VOICE_FIELDS);
      if (fe.content) fe._form = fe.content;
      return fe;
    },
  });
  const { body, errors } = form;
  const languages = VOICE_LANGUAGES.some((l) => l.value === settings.language)
    ? VOICE_LANGUAGES
    : [...VOICE_LANGUAGES, { value: settings.language, label: settings.language }];
  const languageName = languages.find((l) => l.value === settings.language)?.label ?? settings.language;
  const canSpeak = typeof window !== "undefined" && "speechSynthesis" in window;

  function listen() {
    window.speechSynthesis.cancel();
    const utterance = new SpeechSynthesisUtterance(body || "Your message is spoken here");
    utterance.lang = settings.language;
    window.speechSynthesis.speak(utterance);
  }

  return (
    <TemplateFormLayout
      form={form}
      hint="Voice templates are approved at once."
      preview={
        <Box role="region" aria-label="Voice preview" style={{ background: "#f1f3f5", borderRadius: 24, padding: 16, border: "8px solid #222", minHeight: 260 }}>
          <Text size="sm" fw={600} ta="center">
            ☎ Incoming call
          </Text>
          <Group gap={6} justify="center" my="xs">
            <Badge variant="light">{settings.voice === "male" ? "Male voice" : "Female voice"}</Badge>
            <Badge variant="light">{languageName}</Badge>
            <Badge variant="light">
              Played {settings.repeat} {settings.repeat === 1 ? "time" : "times"}
            </Badge>
          </Group>
          <Text size="sm" style={{ whiteSpace: "pre-wrap" }}>
            {body || (
              <Text span c="dimmed">
                The spoken text appears here
              </Text>
            )}
          </Text>
          {canSpeak && (
            <Button mt="md" size="xs" variant="light" onClick={listen} fullWidth>
              Listen to a sample
            </Button>
          )}
        </Box>
      }
    >
      <Textarea
        label="Text to speak"
        description="The text the call reads out to the recipient"
        autosize
        minRows={4}
        value={body}
        onChange={(e) => form.setBody(e.currentTarget.value)}
        error={errors.body}
        required
      />
      <Choice
        label="Voice"
        data={[
          { value: "female", label: "Female" },
          { value: "male", label: "Male" },
        ]}
        value={settings.voice}
        onChange={(v) => setSettings((s) => ({ ...s, voice: v as Voice }))}
        error={errors["content.voice"]}
      />
      <Choice
        label="Language"
        data={languages.map((l) => ({ value: l.value, label: `${l.label} — ${l.value}` }))}
        value={settings.language}
        onChange={(v) => setSettings((s) => ({ ...s, language: v }))}
        error={errors["content.language"]}
      />
      <Choice
        label="Repeat"
        description="How many times the message is played"
        data={["1", "2", "3"]}
        value={String(settings.repeat)}
        onChange={(v) => setSettings((s) => ({ ...s, repeat: Number(v) }))}
        error={errors["content.repeat"]}
      />
    </TemplateFormLayout>
  );
}
