/**
 * Escaping for the job summary (GFM with GitHub's math, plus HTML). Sensor text (names,
 * messages, stderr) is shown verbatim and never interpreted: inline text gets every
 * markdown-active character as an entity, and `<pre>` content is HTML-escaped, so no text can
 * close a block early.
 */

/** For `<pre>` content and attribute values: HTML is the only language there. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
}

/**
 * Characters markdown acts on inline, as entities: the text renders as itself, and `|` cannot
 * split a table cell (GFM splits on a raw `|` before it parses inlines).
 */
const INLINE_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '\\': '&#92;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '~': '&#126;',
  $: '&#36;',
}

/** Text for a table cell or a line of markdown: verbatim, one line, newlines as `<br>`. */
export function escapeInline(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[&<>|\\`*_[\]~$]/g, (c) => INLINE_ENTITIES[c] ?? c)
    .replace(/\n/g, '<br>')
}

/** Inline code that shows its text verbatim. */
export function code(s: string): string {
  return `<code>${escapeInline(s)}</code>`
}
