import { SegmentedControl, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { RcsForm } from "./RcsForm";
import { SmsForm } from "./SmsForm";
import { VoiceForm } from "./VoiceForm";
import { WhatsAppForm } from "./WhatsAppForm";
import type { FormProps, Template } from "./shared";

type Channel = Template["channel"];
const FORMS: Record<Channel, (props: FormProps) => React.JSX.Element> = {
  SMS: SmsForm,
  WHATSAPP: WhatsAppForm,
  RCS: RcsForm,
  VOICE: VoiceForm,
};

export function CreateTemplate({ onSaved }: { onSaved: FormProps["onSaved"] }) {
  const [channel, setChannel] = useState<Channel>("SMS");
  const Form = FORMS[channel];
  return (
    <Stack>
      <div>
        <Text size="sm" fw={500} mb={4} id="template-channel-label">
          Channel
        </Text>
        <SegmentedControl
          aria-labelledby="template-channel-label"
          value={channel}
          onChange={(v) => setChannel(v as Channel)}
          data={[
            { value: "SMS", label: "SMS" },
            { value: "WHATSAPP", label: "WhatsApp" },
            { value: "RCS", label: "RCS" },
            { value: "VOICE", label: "Voice" },
          ]}
        />
      </div>
      <Form key={channel} onSaved={onSaved} />
    </Stack>
  );
}

/** The form of a REJECTED or FAILED template, pre-filled, that re-submits it (PUT /api/templates/{id}). */
export function EditTemplate({ template, onSaved }: { template: Template; onSaved: FormProps["onSaved"] }) {
  const Form = FORMS[template.channel];
  return <Form key={template.id} editing={template} onSaved={onSaved} />;
}
