// The languages a WhatsApp template is registered in: the Cloud API's codes (the console's
// domain/languages.py holds the same list and refuses others). A send repeats the code, so a
// template registered as en_US is not found in "en".
export const TEMPLATE_LANGUAGES: Record<string, string> = {
  en_US: "English (US)", en_GB: "English (UK)", en: "English", hi: "Hindi", bn: "Bengali", gu: "Gujarati",
  kn: "Kannada", ml: "Malayalam", mr: "Marathi", pa: "Punjabi", ta: "Tamil", te: "Telugu", ur: "Urdu",
  af: "Afrikaans", sq: "Albanian", ar: "Arabic", az: "Azerbaijani", bg: "Bulgarian", ca: "Catalan",
  zh_CN: "Chinese (CHN)", zh_HK: "Chinese (HKG)", zh_TW: "Chinese (TAI)", hr: "Croatian", cs: "Czech",
  da: "Danish", nl: "Dutch", et: "Estonian", fil: "Filipino", fi: "Finnish", fr: "French", ka: "Georgian",
  de: "German", el: "Greek", ha: "Hausa", he: "Hebrew", hu: "Hungarian", id: "Indonesian", ga: "Irish",
  it: "Italian", ja: "Japanese", kk: "Kazakh", rw_RW: "Kinyarwanda", ko: "Korean", ky_KG: "Kyrgyz (Kyrgyzstan)",
  lo: "Lao", lv: "Latvian", lt: "Lithuanian", mk: "Macedonian", ms: "Malay", nb: "Norwegian", fa: "Persian",
  pl: "Polish", pt_BR: "Portuguese (BR)", pt_PT: "Portuguese (POR)", ro: "Romanian", ru: "Russian",
  sr: "Serbian", sk: "Slovak", sl: "Slovenian", es: "Spanish", es_AR: "Spanish (ARG)", es_ES: "Spanish (SPA)",
  es_MX: "Spanish (MEX)", sw: "Swahili", sv: "Swedish", th: "Thai", tr: "Turkish", uk: "Ukrainian",
  uz: "Uzbek", vi: "Vietnamese", zu: "Zulu",
};
export const DEFAULT_TEMPLATE_LANGUAGE = "en_US";

/** The Select's options: "English (US) · en_US", Indian languages first after English. */
export const LANGUAGE_OPTIONS = Object.entries(TEMPLATE_LANGUAGES).map(([value, name]) => ({ value, label: `${name} · ${value}` }));
