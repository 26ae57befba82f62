// The start of every HTML page s2s-matrix writes (matrix.html, the site's pages): UTF-8, a
// phone's viewport, and a Content-Security-Policy that allows nothing but the page's own
// inline stylesheet (and script) pinned by hash: nothing loads from anywhere, and markup
// injected through untrusted text could not run, post a form or move the page's base.
import { createHash } from "node:crypto";
import { escapeHtml as h } from "./text.ts";

const cspHash = (text: string): string => `'sha256-${createHash("sha256").update(text).digest("base64")}'`;

export interface PageAssets {
  css: string;
  /** The page's one inline script, if it has one. */
  js?: string;
}

export const contentSecurityPolicy = (a: PageAssets): string =>
  `default-src 'none'; style-src ${cspHash(a.css)}; ${a.js !== undefined ? `script-src ${cspHash(a.js)}; ` : ""}img-src 'none'; base-uri 'none'; form-action 'none'`;

/** `<!doctype html>` through `</head>`, the stylesheet inline. */
export function pageHead(title: string, a: PageAssets): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(a)}">
<title>${h(title)}</title>
<style>${a.css}</style>
</head>
`;
}
