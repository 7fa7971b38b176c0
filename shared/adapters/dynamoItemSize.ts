/**
 * DynamoDB's size of an item as the document client writes it, by AWS's documented rules ("DynamoDB item sizes
 * and formats"): each attribute's name in UTF-8 plus its value. A string is its UTF-8 bytes, a number about one
 * byte per two significant digits plus one, a binary its raw bytes, a boolean or null one byte, a list or map 3
 * bytes plus, per element, one byte and the element (a map's keys counted as names). Undefined values count for
 * nothing: the document client leaves them out (`removeUndefinedValues`). An estimate: AWS says "about" for
 * numbers, so callers keep a margin below the 400 KB limit.
 */
export function dynamoItemSize(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item))
    if (value !== undefined) size += utf8Bytes(name) + dynamoValueSize(value);
  return size;
}

/** The size of one attribute value, its name not included. */
export function dynamoValueSize(value: unknown): number {
  if (typeof value === 'string') return utf8Bytes(value);
  if (typeof value === 'number' || typeof value === 'bigint') return numberSize(value);
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + dynamoValueSize(v), 0);
  if (Array.isArray(value)) return listSize(value);
  if (typeof value === 'object') return mapSize(value as Record<string, unknown>);
  return 0;
}

/** A list's: 3 bytes, and per element present 1 byte and the element. */
function listSize(list: readonly unknown[]): number {
  let size = 3;
  for (const v of list) if (v !== undefined) size += 1 + dynamoValueSize(v);
  return size;
}

/** A map's: 3 bytes, and per element present 1 byte, its name and its value. */
function mapSize(map: Readonly<Record<string, unknown>>): number {
  let size = 3;
  for (const [name, v] of Object.entries(map))
    if (v !== undefined) size += 1 + utf8Bytes(name) + dynamoValueSize(v);
  return size;
}

/** One byte per two significant digits (leading and trailing zeros trimmed), plus one. */
function numberSize(value: number | bigint): number {
  const digits = significantDigits(value);
  return Math.ceil(digits / 2) + 1;
}

/**
 * The digits of the shortest decimal that reads back as the value (what the document client sends), between its
 * first and last non-zero digit; at least one. A loop, not regular expressions: a track holds tens of thousands.
 */
function significantDigits(value: number | bigint): number {
  const text = String(value);
  let first = -1;
  let last = -1;
  let digits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 101 || c === 69) break; // e, E: the exponent is not part of the digits
    if (c < 48 || c > 57) continue; // a sign or the decimal point
    digits += 1;
    if (c !== 48) {
      if (first < 0) first = digits;
      last = digits;
    }
  }
  return first < 0 ? 1 : last - first + 1;
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
