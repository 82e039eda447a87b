// The console ships its own fonts, so that text in Indian scripts (a Hindi or Tamil template, a
// recipient's name) looks right on any machine, whatever fonts it has installed. Noto Sans covers
// Latin, Cyrillic, Greek, Vietnamese and Devanagari (Hindi, Marathi, Nepali); one Noto family
// each covers the other scripts. They are variable fonts (one file per script for every weight),
// and each file is tied to its script's Unicode range: a browser downloads only the scripts a
// page shows (Latin alone for most pages).
import "@fontsource-variable/noto-sans";
import "@fontsource-variable/noto-sans-bengali";
import "@fontsource-variable/noto-sans-gujarati";
import "@fontsource-variable/noto-sans-gurmukhi";
import "@fontsource-variable/noto-sans-kannada";
import "@fontsource-variable/noto-sans-malayalam";
import "@fontsource-variable/noto-sans-oriya";
import "@fontsource-variable/noto-sans-tamil";
import "@fontsource-variable/noto-sans-telugu";

/** Bundled families first (in that order a character is looked up), then the system's. */
export const FONT_FAMILY = [
  "'Noto Sans Variable'",
  "'Noto Sans Bengali Variable'",
  "'Noto Sans Gujarati Variable'",
  "'Noto Sans Gurmukhi Variable'",
  "'Noto Sans Kannada Variable'",
  "'Noto Sans Malayalam Variable'",
  "'Noto Sans Oriya Variable'",
  "'Noto Sans Tamil Variable'",
  "'Noto Sans Telugu Variable'",
  "-apple-system",
  "BlinkMacSystemFont",
  "'Segoe UI'",
  "Roboto",
  "Helvetica",
  "Arial",
  "sans-serif",
  "'Apple Color Emoji'",
  "'Segoe UI Emoji'",
].join(", ");
