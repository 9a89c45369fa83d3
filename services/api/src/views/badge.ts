import { escapeText } from './common';

/**
 * Approximate advance widths of Verdana at 11 px, the badge font. Exact widths do not matter:
 * the text is centred in its half, so an estimate only changes the padding a little.
 */
const WIDTHS: Record<string, number> = {
  ' ': 3.9,
  '%': 11.9,
  '.': 3.8,
  ',': 3.8,
  ':': 4.6,
  '-': 4.6,
  '(': 4.5,
  ')': 4.5,
  '/': 4.9,
  a: 6.7,
  b: 6.8,
  c: 5.8,
  d: 6.8,
  e: 6.6,
  f: 3.8,
  g: 6.8,
  h: 6.9,
  i: 3.0,
  j: 3.8,
  k: 6.4,
  l: 3.0,
  m: 10.6,
  n: 6.9,
  o: 6.6,
  p: 6.8,
  q: 6.8,
  r: 4.7,
  s: 5.7,
  t: 4.3,
  u: 6.9,
  v: 6.4,
  w: 8.9,
  x: 6.4,
  y: 6.4,
  z: 5.7,
};
const DIGIT_WIDTH = 7.0;
const UPPER_WIDTH = 7.6;
const OTHER_WIDTH = 7.0;

export function textWidth(text: string): number {
  let width = 0;
  for (const c of text) {
    if (c >= '0' && c <= '9') width += DIGIT_WIDTH;
    else if (c >= 'A' && c <= 'Z') width += UPPER_WIDTH;
    else width += WIDTHS[c] ?? OTHER_WIDTH;
  }
  return width;
}

/** Horizontal padding on each side of a text. */
const PAD = 5;

/** A shields.io-style "flat" badge: a grey label half and a coloured message half. */
export function renderBadge({
  label,
  message,
  color,
}: {
  label: string;
  message: string;
  color: string;
}): string {
  const lw = Math.ceil(textWidth(label) + 2 * PAD);
  const mw = Math.ceil(textWidth(message) + 2 * PAD);
  const w = lw + mw;
  const l = escapeText(label);
  const m = escapeText(message);
  const c = escapeText(color);
  const text = (x: number, value: string) =>
    `<text x="${x}" y="15" fill="#010101" fill-opacity=".3">${value}</text>` +
    `<text x="${x}" y="14">${value}</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${l}: ${m}">` +
    `<title>${l}: ${m}</title>` +
    `<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>` +
    `<clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath>` +
    `<g clip-path="url(#r)">` +
    `<rect width="${lw}" height="20" fill="#555"/>` +
    `<rect x="${lw}" width="${mw}" height="20" fill="${c}"/>` +
    `<rect width="${w}" height="20" fill="url(#s)"/>` +
    `</g>` +
    `<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">` +
    text(lw / 2, l) +
    text(lw + mw / 2, m) +
    `</g>` +
    `</svg>`
  );
}
