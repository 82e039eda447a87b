import { describe, expect, it } from "vitest";
import {
  acceptFor,
  addCard,
  buildRcsContent,
  buildSuggestion,
  buildVoiceContent,
  buildWhatsAppContent,
  canAddCard,
  canRemoveCard,
  checkMediaFile,
  emptyRcsForm,
  emptyWaForm,
  kindFromUrl,
  MAX_CAROUSEL_CARDS,
  mediaContentType,
  newCard,
  newSuggestion,
  previewUrl,
  rcsBody,
  rcsErrorKey,
  rcsFormFromTemplate,
  removeCard,
  validateRcs,
  validateWhatsApp,
  voiceFormFromTemplate,
  waFormFromTemplate,
  type RcsForm,
} from "./rcs";

const MB = 1024 * 1024;
const IMG = "http://127.0.0.1:8088/media/abc.png";

function richCard(): RcsForm {
  const form = emptyRcsForm();
  form.templateType = "RICH_CARD";
  form.card = { ...form.card, title: "Diwali sale", description: "50% off", media: { mediaUrl: IMG, kind: "image" } };
  return form;
}

describe("media checks", () => {
  it("accepts JPG/PNG images up to 5 MB and MP4 videos up to 16 MB", () => {
    expect(checkMediaFile({ name: "a.png", type: "image/png", size: 5 * MB }, ["image", "video"])).toBeNull();
    expect(checkMediaFile({ name: "a.jpg", type: "image/jpeg", size: 5 * MB + 1 }, ["image", "video"])).toBe("an image may be at most 5 MB");
    expect(checkMediaFile({ name: "a.mp4", type: "video/mp4", size: 16 * MB }, ["image", "video"])).toBeNull();
    expect(checkMediaFile({ name: "a.mp4", type: "video/mp4", size: 16 * MB + 1 }, ["image", "video"])).toBe("a video may be at most 16 MB");
  });
  it("refuses other types and empty files in words naming what is accepted", () => {
    expect(checkMediaFile({ name: "a.gif", type: "image/gif", size: 10 }, ["image", "video"])).toBe("upload a JPG or PNG image or an MP4 video");
    expect(checkMediaFile({ name: "a.pdf", type: "application/pdf", size: 10 }, ["image"])).toBe("upload a JPG or PNG image");
    expect(checkMediaFile({ name: "a.pdf", type: "application/pdf", size: 10 }, ["document"])).toBeNull();
    expect(checkMediaFile({ name: "a.png", type: "image/png", size: 0 }, ["image"])).toBe("the file is empty");
  });
  it("takes the type from the extension when the browser gives none", () => {
    expect(mediaContentType({ name: "photo.JPG", type: "" })).toBe("image/jpeg");
    expect(mediaContentType({ name: "clip.mp4", type: "" })).toBe("video/mp4");
    expect(mediaContentType({ name: "x.png", type: "image/png" })).toBe("image/png");
    expect(acceptFor(["image"])).toBe("image/jpeg,image/png,.jpg,.jpeg,.png");
    expect(kindFromUrl("http://h/media/x.mp4")).toBe("video");
  });
  it("previews the local copy first, else the uploaded URL", () => {
    expect(previewUrl({ localUrl: "blob:1", mediaUrl: IMG })).toBe("blob:1");
    expect(previewUrl({ mediaUrl: IMG })).toBe(IMG);
    expect(previewUrl({})).toBeUndefined();
  });
});

describe("RCS content", () => {
  it("builds a Text Only template with its suggestions", () => {
    const form = emptyRcsForm();
    form.body = "Hello";
    form.suggestions = [
      { ...newSuggestion("REPLY"), text: "Yes " },
      { ...newSuggestion("DIAL"), text: "Call us", phoneNumber: "+919876543210" },
      { ...newSuggestion("OPEN_URL"), text: "Shop", url: "https://example.com" },
    ];
    expect(rcsBody(form)).toBe("Hello");
    expect(buildRcsContent(form)).toEqual({
      suggestions: [
        { type: "REPLY", text: "Yes", postbackData: "Yes" },
        { type: "DIAL", text: "Call us", phoneNumber: "+919876543210" },
        { type: "OPEN_URL", text: "Shop", url: "https://example.com" },
      ],
    });
    expect(validateRcs(form)).toEqual({});
  });

  it("builds a rich card in the API's shape and uses the card's text as the body", () => {
    const form = richCard();
    form.card.suggestions = [{ ...newSuggestion(), text: "Buy" }];
    expect(buildRcsContent(form)).toEqual({
      orientation: "VERTICAL",
      imageAlignment: "LEFT",
      height: "MEDIUM",
      width: "MEDIUM",
      card: {
        title: "Diwali sale",
        description: "50% off",
        mediaUrl: IMG,
        mediaType: "IMAGE",
        suggestions: [{ type: "REPLY", text: "Buy", postbackData: "Buy" }],
      },
    });
    expect(rcsBody(form)).toBe("Diwali sale\n50% off");
    form.fallback = "Diwali sale: 50% off";
    expect(rcsBody(form)).toBe("Diwali sale: 50% off");
    expect(validateRcs(form)).toEqual({});
  });

  it("marks video media and leaves out empty fields", () => {
    const card = { ...newCard(), media: { mediaUrl: "http://h/media/v.mp4", kind: "video" as const } };
    const form = emptyRcsForm();
    form.templateType = "CAROUSEL";
    form.width = "SMALL";
    form.height = "TALL";
    form.cards = [card, { ...newCard(), title: "Two" }];
    expect(buildRcsContent(form)).toEqual({
      cardWidth: "SMALL",
      height: "TALL",
      cards: [
        { mediaUrl: "http://h/media/v.mp4", mediaType: "VIDEO", suggestions: [] },
        { title: "Two", suggestions: [] },
      ],
    });
    expect(rcsBody(form)).toBe("");
    expect(validateRcs(form).body).toMatch(/fallback text/);
  });

  it("keeps a carousel between 2 and 10 cards", () => {
    let cards = emptyRcsForm().cards;
    expect(cards).toHaveLength(2);
    expect(canRemoveCard(cards)).toBe(false);
    expect(removeCard(cards, cards[0].key)).toBe(cards);
    while (canAddCard(cards)) cards = addCard(cards);
    expect(cards).toHaveLength(MAX_CAROUSEL_CARDS);
    expect(addCard(cards)).toBe(cards);
    expect(new Set(cards.map((c) => c.key)).size).toBe(MAX_CAROUSEL_CARDS);
    const fewer = removeCard(cards, cards[3].key);
    expect(fewer).toHaveLength(9);
    expect(fewer.some((c) => c.key === cards[3].key)).toBe(false);
  });

  it("validates cards, suggestions and uploads before sending", () => {
    const form = emptyRcsForm();
    form.templateType = "CAROUSEL";
    form.cards = [{ ...newCard(), title: "One", suggestions: [newSuggestion("DIAL"), { ...newSuggestion("OPEN_URL"), text: "Go", url: "ftp://x" }] }];
    const errors = validateRcs(form);
    expect(errors.cards).toBe("a carousel has 2 to 10 cards");
    expect(errors["cards.0.suggestions.0.text"]).toBeDefined();
    expect(errors["cards.0.suggestions.0.phoneNumber"]).toBeDefined();
    expect(errors["cards.0.suggestions.1.url"]).toBeDefined();

    const uploading = richCard();
    uploading.card.media = { localUrl: "blob:x", uploading: true };
    expect(validateRcs(uploading)["card.media"]).toBe("wait until the upload has finished");

    const empty = emptyRcsForm();
    empty.templateType = "RICH_CARD";
    expect(validateRcs(empty)["card.title"]).toMatch(/title, a description or an image/);
    expect(validateRcs(emptyRcsForm()).body).toBeDefined();
    const tooMany = emptyRcsForm();
    tooMany.body = "x";
    tooMany.suggestions = Array.from({ length: 5 }, () => ({ ...newSuggestion(), text: "a" }));
    expect(validateRcs(tooMany).suggestions).toBe("at most 4 suggestions");
  });

  it("derives postback data only for replies and keeps existing postback data", () => {
    expect(buildSuggestion({ ...newSuggestion("REPLY"), text: "Yes", postbackData: "yes_1" })).toEqual({ type: "REPLY", text: "Yes", postbackData: "yes_1" });
    expect(buildSuggestion({ ...newSuggestion("OPEN_URL"), text: "Go", url: " https://a.b " })).toEqual({ type: "OPEN_URL", text: "Go", url: "https://a.b" });
  });
});

describe("rcsErrorKey", () => {
  it("maps the API's fields to the form's", () => {
    expect(rcsErrorKey("content.cards.0.title")).toBe("cards.0.title");
    expect(rcsErrorKey("content.cards.3.mediaUrl")).toBe("cards.3.media");
    expect(rcsErrorKey("content.card.mediaType")).toBe("card.media");
    expect(rcsErrorKey("content.card.description")).toBe("card.description");
    expect(rcsErrorKey("content.cards")).toBe("cards");
    expect(rcsErrorKey("content.cards.1.suggestions")).toBe("cards.1.suggestions");
    expect(rcsErrorKey("content.cards.1.suggestions.2.url")).toBe("cards.1.suggestions.2.url");
    expect(rcsErrorKey("content.suggestions.0.postbackData")).toBe("suggestions");
    expect(rcsErrorKey("content.suggestions.0.text")).toBe("suggestions.0.text");
    expect(rcsErrorKey("content.cardWidth")).toBe("width");
    expect(rcsErrorKey("content.orientation")).toBe("orientation");
    expect(rcsErrorKey("rcsBotId")).toBe("rcsBotId");
    expect(rcsErrorKey("body")).toBe("body");
    expect(rcsErrorKey("name")).toBe("name");
  });
  it("sends what it cannot place to the top of the form", () => {
    expect(rcsErrorKey(null)).toBe("_form");
    expect(rcsErrorKey("content")).toBe("_form");
    expect(rcsErrorKey("content.card")).toBe("_form");
    expect(rcsErrorKey("content.cards.0.bogus")).toBe("_form");
    expect(rcsErrorKey("somethingElse")).toBe("_form");
  });
});

describe("edit and re-submit pre-fill", () => {
  it("round-trips a carousel", () => {
    const content = {
      cardWidth: "SMALL",
      height: "SHORT",
      cards: [
        { title: "A", mediaUrl: IMG, mediaType: "IMAGE", suggestions: [{ type: "REPLY", text: "Yes", postbackData: "p1" }] },
        { description: "B", mediaUrl: "http://h/media/v.mp4", mediaType: "VIDEO", suggestions: [] },
      ],
    };
    const form = rcsFormFromTemplate({ templateType: "CAROUSEL", body: "fallback", content });
    expect(form.templateType).toBe("CAROUSEL");
    expect(form.fallback).toBe("fallback");
    expect(form.cards[1].media.kind).toBe("video");
    expect(buildRcsContent(form)).toEqual(content);
    expect(rcsBody(form)).toBe("fallback");
  });
  it("round-trips a horizontal rich card and a text template", () => {
    const content = {
      orientation: "HORIZONTAL",
      imageAlignment: "RIGHT",
      height: "TALL",
      width: "SMALL",
      card: { title: "T", suggestions: [{ type: "DIAL", text: "Call", phoneNumber: "+911234567890" }] },
    };
    expect(buildRcsContent(rcsFormFromTemplate({ templateType: "RICH_CARD", body: "T", content }))).toEqual(content);
    const text = rcsFormFromTemplate({ templateType: "TEXT", body: "Hi", content: { suggestions: [] } });
    expect(text.body).toBe("Hi");
    expect(buildRcsContent(text)).toEqual({ suggestions: [] });
  });
  it("pads a carousel saved with too few cards to the minimum", () => {
    expect(rcsFormFromTemplate({ templateType: "CAROUSEL", body: "x", content: { cards: [] } }).cards).toHaveLength(2);
  });
});

describe("WhatsApp content", () => {
  it("puts the uploaded media in the header and makes the template MEDIA", () => {
    const form = emptyWaForm();
    form.headerType = "IMAGE";
    expect(validateWhatsApp(form)["content.header"]).toBe("upload the header's image");
    form.headerMedia = { mediaUrl: IMG, kind: "image" };
    form.footer = "Reply STOP";
    expect(validateWhatsApp(form)).toEqual({});
    expect(buildWhatsAppContent(form)).toEqual({
      templateType: "MEDIA",
      content: { header: { type: "IMAGE", mediaUrl: IMG }, footer: "Reply STOP" },
    });
    expect(waFormFromTemplate({ header: { type: "IMAGE", mediaUrl: IMG } }).headerMedia.mediaUrl).toBe(IMG);
  });
  it("keeps text headers and buttons as before", () => {
    const form = { ...emptyWaForm(), headerType: "TEXT" as const, headerText: "Hi", buttons: [{ type: "URL" as const, text: "Go", url: "https://x.y" }] };
    expect(buildWhatsAppContent(form)).toEqual({
      templateType: "TEXT",
      content: { header: { type: "TEXT", text: "Hi" }, buttons: [{ type: "URL", text: "Go", url: "https://x.y" }] },
    });
    expect(waFormFromTemplate({}).headerType).toBe("NONE");
  });
});

describe("voice content", () => {
  it("builds voice, language and a repeat of 1-3", () => {
    expect(buildVoiceContent({ voice: "male", language: "hi-IN", repeat: 2 })).toEqual({ voice: "male", language: "hi-IN", repeat: 2 });
    expect(buildVoiceContent({ voice: "female", language: "en-IN", repeat: 7 }).repeat).toBe(3);
    expect(voiceFormFromTemplate({ voice: "male", language: "hi-IN", repeat: 3 })).toEqual({ voice: "male", language: "hi-IN", repeat: 3 });
    expect(voiceFormFromTemplate({})).toEqual({ voice: "female", language: "en-IN", repeat: 1 });
  });
});
