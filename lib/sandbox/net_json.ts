/** JSON text the way Autotask's .NET serializer writes callout bodies: HTML-safe, ASCII-only escapes. */

/** A JSON value this serializer writes (callout bodies hold nothing else). */
export type NetJsonValue =
  | string
  | number
  | boolean
  | null
  | NetJsonValue[]
  | { [key: string]: NetJsonValue };

/**
 * Characters .NET's default encoder escapes although JSON does not require it: the HTML-sensitive
 * ones (`"` included: .NET writes `\u0022`, not `\"`) and `+` and the backtick.
 */
const ESCAPED_ASCII: ReadonlySet<number> = new Set([0x22, 0x26, 0x27, 0x2b, 0x3c, 0x3e, 0x60]);

/** Control characters .NET writes with a short escape. */
const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x08, "\\b"],
  [0x09, "\\t"],
  [0x0a, "\\n"],
  [0x0c, "\\f"],
  [0x0d, "\\r"],
  [0x5c, "\\\\"],
]);

function hexEscape(code: number): string {
  return `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A JSON string literal with .NET's escaping; every character outside printable ASCII as `\uXXXX`. */
function netString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    // UTF-16 code units: a character beyond the BMP becomes its two surrogates, as in .NET.
    const code = text.charCodeAt(i);
    const short = SHORT_ESCAPES.get(code);
    if (short !== undefined) out += short;
    else if (code < 0x20 || code > 0x7e || ESCAPED_ASCII.has(code)) out += hexEscape(code);
    else out += text[i];
  }
  return out + '"';
}

/**
 * Serializes a value as compact JSON with .NET's default escaping (`&` as `\u0026`, `<` `\u003C`,
 * `>` `\u003E`, `'` `\u0027`, `+` `\u002B`, non-ASCII as uppercase `\uXXXX`), so the text is pure
 * ASCII and differs from `JSON.stringify`: a receiver that re-serializes a parsed body cannot
 * reproduce the signed bytes.
 */
export function netJson(value: NetJsonValue): string {
  if (value === null) return "null";
  if (typeof value === "string") return netString(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("JSON has no representation for NaN or Infinity");
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (Array.isArray(value)) return `[${value.map(netJson).join(",")}]`;
  const parts = Object.entries(value).map(([k, v]) => `${netString(k)}:${netJson(v)}`);
  return `{${parts.join(",")}}`;
}
