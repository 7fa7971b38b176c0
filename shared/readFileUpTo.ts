import { closeSync, openSync, readSync } from 'node:fs';

/** What readFileUpTo read: the text, and whether the file went on past the limit (then `text` is cut there). */
export interface BoundedText {
  readonly text: string;
  readonly tooLong: boolean;
  /**
   * The UTF-16 byte order mark the file starts with, when it does (FF FE little-endian, FE FF big-endian: what
   * Windows tools write for "Unicode"): its text, read as UTF-8, is then noise.
   */
  readonly utf16Bom?: 'FF FE' | 'FE FF';
}

/**
 * A file's text (UTF-8), read up to `maxBytes`. Node's readFileSync reads until the end, and a device or a pipe
 * that never ends (`/dev/zero`, `/dev/urandom`: their size says 0) never gives one: the command hung, filling
 * memory. Here it stops one byte past the limit and says so. File system errors are thrown as Node's (with
 * their `code`, for fileProblem).
 */
export function readFileUpTo(path: string, maxBytes: number): BoundedText {
  const fd = openSync(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total <= maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
    }
    const all = Buffer.concat(chunks, total);
    const bom =
      all[0] === 0xff && all[1] === 0xfe ? 'FF FE' : all[0] === 0xfe && all[1] === 0xff ? 'FE FF' : undefined;
    const read =
      total > maxBytes
        ? { text: all.subarray(0, maxBytes).toString('utf8'), tooLong: true }
        : { text: all.toString('utf8'), tooLong: false };
    return bom ? { ...read, utf16Bom: bom } : read;
  } finally {
    closeSync(fd);
  }
}

/** What a file starting with a UTF-16 byte order mark is told, wherever it is read (a policy, a trace). */
export function utf16Problem(bom: NonNullable<BoundedText['utf16Bom']>): string {
  return `is UTF-16 (it starts with the byte order mark ${bom}): save it as UTF-8`;
}
