import { describe, expect, it } from "vitest";
// the platform's and the connectors' own tables, read as text: a code added there without words here fails
import contractsErrors from "../../../../../contracts/src/cpaas/contracts/errors.py?raw";
import waStatuses from "../../../../../services/wa-connector/src/cpaas/wa_connector/providers/cloud_api/statuses.py?raw";
import rbmStatuses from "../../../../../services/rcs-connector/src/cpaas/rcs_connector/providers/rbm/statuses.py?raw";
import voiceStatuses from "../../../../../services/voice-connector/src/cpaas/voice_connector/providers/programmable_voice/statuses.py?raw";
import smsStatuses from "../../../../../services/sms-connector/src/cpaas/sms_connector/providers/smpp/statuses.py?raw";
import waSandbox from "../../../../../services/sandbox/src/cpaas/sandbox/whatsapp/graph.py?raw";
import voiceSandbox from "../../../../../services/sandbox/src/cpaas/sandbox/voice/errors.py?raw";
import smscSandboxReceipts from "../../../../../services/sandbox/src/cpaas/sandbox/smsc/receipts.py?raw";
import { describeError, describeFailure, describeStatusReason, errorReason, PLATFORM_REASONS } from "./errors";

const all = (text: string, re: RegExp) => [...text.matchAll(re)].map((m) => m[1]);

describe("describeError", () => {
  it("puts the carrier's code beside a human reason", () => {
    expect(describeError("131026", "WHATSAPP")).toBe("The recipient cannot receive WhatsApp messages (131026)");
    expect(describeError("0x00000045", "SMS")).toBe("The SMSC refused the message (submit failed) (0x00000045)");
    expect(describeError("CARRIER_REJECTED")).toBe("Rejected by the carrier (CARRIER_REJECTED)");
  });
  it("shows an unknown code as it is and no code as a dash", () => {
    expect(describeError("XYZ_42", "SMS")).toBe("XYZ_42");
    expect(describeError("987654", "WHATSAPP")).toBe("987654");
    expect(describeError(null)).toBe("—");
    expect(describeError("  ")).toBe("—");
  });
});

describe("describeFailure", () => {
  it("adds the provider's own detail after the reason and code", () => {
    expect(describeFailure("131049", "This message was not delivered to maintain healthy ecosystem engagement.", "WHATSAPP")).toBe(
      "Held back by Meta (ecosystem engagement) (131049): This message was not delivered to maintain healthy ecosystem engagement.",
    );
    expect(describeFailure("001", "UNDELIV", "SMS")).toBe("Unknown subscriber (number not in use) (001): UNDELIV");
    expect(describeFailure("busy", "busy", "VOICE")).toBe("The line was busy (busy)");
    expect(describeFailure(null, "timed out", "RCS")).toBe("timed out");
    expect(describeFailure(null, null)).toBe("—");
  });
});

describe("errorReason by channel", () => {
  it("reads SMPP submit refusals (command_status) in any hex spelling", () => {
    expect(errorReason("0x00000058", "SMS")).toBe("Throttled by the SMSC (too many messages)");
    expect(errorReason("0x58", "SMS")).toBe("Throttled by the SMSC (too many messages)");
    expect(errorReason("0X0000000B", "SMS")).toBe("Invalid destination address");
  });
  it("reads SMPP receipt err: values, padded or not", () => {
    expect(errorReason("001", "SMS")).toBe("Unknown subscriber (number not in use)");
    expect(errorReason("1", "SMS")).toBe("Unknown subscriber (number not in use)");
    expect(errorReason("027", "SMS")).toBe("Absent subscriber");
    expect(errorReason("000", "SMS")).toBe("The carrier gave no error code");
  });
  it("reads WhatsApp Cloud API codes", () => {
    expect(errorReason("131049", "WHATSAPP")).toBe("Held back by Meta (ecosystem engagement)");
    expect(errorReason("131047", "WHATSAPP")).toBe("Over 24 hours since the customer's last reply");
    expect(errorReason("131030", "WHATSAPP")).toBe("Not in the test number's allowed recipients");
    expect(errorReason("130472", "WHATSAPP")).toBe("Not sent: the number is in a WhatsApp experiment");
  });
  it("reads RBM statuses, voice call ends and provider HTTP answers", () => {
    expect(errorReason("NOT_FOUND", "RCS")).toBe("The recipient is not reachable on RCS");
    expect(errorReason("503", "RCS")).toBe("The provider answered HTTP 503");
    expect(errorReason("no-answer", "VOICE")).toBe("The call was not answered");
    expect(errorReason("13224", "VOICE")).toBe("The number cannot be called or is invalid");
    expect(errorReason("HTTP 500", "VOICE")).toBe("The provider answered HTTP 500");
  });
  it("the same digits mean what the channel's provider means", () => {
    expect(errorReason("1", "SMS")).toBe("Unknown subscriber (number not in use)");
    expect(errorReason("1", "WHATSAPP")).toBe("WhatsApp API unknown error");
  });
  it("falls back to the platform's code words on every channel", () => {
    for (const channel of ["SMS", "WHATSAPP", "RCS", "VOICE", null]) {
      expect(errorReason("RECEIPT_EXPIRED", channel)).toBe("No delivery receipt in time");
      expect(errorReason("CHANNEL_NOT_SUPPORTED_BY_RECIPIENT", channel)).toBe("The recipient cannot receive this channel");
    }
  });
});

describe("errorReason without a channel (the dashboard's failure chart)", () => {
  it("tells the code's owner by its form", () => {
    expect(errorReason("0x00000045")).toBe("The SMSC refused the message (submit failed)");
    expect(errorReason("001")).toBe("Unknown subscriber (number not in use)");
    expect(errorReason("131026")).toMatch(/^The recipient cannot receive WhatsApp/);
    expect(errorReason("21211")).toBe("Invalid number to call");
    expect(errorReason("busy")).toBe("The line was busy");
    expect(errorReason("NOT_FOUND")).toBe("The recipient is not reachable on RCS");
    expect(errorReason("UNKNOWN")).toBe("No reason given");
    expect(errorReason("something else")).toBeUndefined();
  });
});

describe("describeStatusReason", () => {
  it("words a bare provider code and leaves sentences alone", () => {
    expect(describeStatusReason("INVALID_FORMAT")).toBe("Invalid format (INVALID_FORMAT)");
    expect(describeStatusReason("CARRIER_UNAVAILABLE")).toBe("The carrier was unavailable (CARRIER_UNAVAILABLE)");
    expect(describeStatusReason("Add the offer's end date")).toBe("Add the offer's end date");
    expect(describeStatusReason("SOME_NEW_CODE")).toBe("SOME_NEW_CODE");
    expect(describeStatusReason(null)).toBe("");
  });
});

describe("every code the platform and its connectors emit has words", () => {
  it("the platform's ErrorCode", () => {
    const codes = all(contractsErrors, /^\s+([A-Z_]+) = "[A-Z_]+"$/gm);
    expect(codes.length).toBeGreaterThan(30);
    expect(codes.filter((c) => !(c in PLATFORM_REASONS))).toEqual([]);
  });
  it("WhatsApp codes in the connector's status table and the sandbox", () => {
    const codes = [
      ...all(waStatuses, /^\s+(\d+),\s+#/gm),
      ...all(waStatuses, /^\s+(\d+): ErrorCode/gm),
      ...all(waStatuses, /^RECIPIENT_WITHOUT_WHATSAPP = (\d+)/gm),
      ...all(waSandbox, /^[A-Z_]+ = (\d+)\s+#/gm),
    ];
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((c) => errorReason(c, "WHATSAPP") === undefined)).toEqual([]);
  });
  it("RBM statuses in the connector's table", () => {
    const codes = [...all(rbmStatuses, /^\s+"([A-Z_]+)": ErrorMeaning/gm), ...all(rbmStatuses, /^ALREADY_ACCEPTED = "([A-Z_]+)"/gm)];
    expect(codes.length).toBeGreaterThan(8);
    expect(codes.filter((c) => errorReason(c, "RCS") === undefined)).toEqual([]);
  });
  it("voice call ends in the connector's table and the sandbox's API codes", () => {
    const ends = all(voiceStatuses, /^\s+"([a-z-]+)": StatusMeaning\(MessageStatus\.(?:UNDELIVERED|FAILED)/gm);
    expect(ends.length).toBeGreaterThanOrEqual(4);
    const codes = all(voiceSandbox, /\b(\d{5})\b/g);
    expect(codes.length).toBeGreaterThan(8);
    expect([...ends, ...codes].filter((c) => errorReason(c, "VOICE") === undefined)).toEqual([]);
  });
  it("SMPP statuses the SMS connector and the SMSC sandbox use", () => {
    const statuses = all(smsStatuses, /0x([0-9A-Fa-f]+)/g).map((h) => `0x${h.padStart(8, "0")}`);
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    const errs = all(smscSandboxReceipts, /ReceiptKind\("[A-Z]+", (\d+),/g).map((e) => e.padStart(3, "0"));
    expect(errs).toContain("001");
    expect([...statuses, ...errs].filter((c) => errorReason(c, "SMS") === undefined)).toEqual([]);
  });
});
