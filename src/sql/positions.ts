// Offsets in a text: libpg-query counts UTF-8 bytes and code points, JavaScript counts UTF-16 units.

/** 1-based line and column of string indices in one text. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  /** Line and column (both 1-based) of the character at string index `index`. */
  position(index: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.lineStarts[middle] <= index) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: index - this.lineStarts[low] + 1 };
  }
}

const asciiOnly = /^[\x00-\x7f]*$/;

/** Maps a UTF-8 byte offset into `text` to the string index of the same character. */
export function byteOffsetToIndex(text: string): (byteOffset: number) => number {
  if (asciiOnly.test(text)) return (byteOffset) => byteOffset;
  const indexAtByte: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const code = text.codePointAt(index)!;
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let b = 0; b < bytes; b++) indexAtByte.push(index);
    if (code >= 0x10000) index++;
  }
  indexAtByte.push(text.length);
  return (byteOffset) => indexAtByte[Math.min(Math.max(byteOffset, 0), indexAtByte.length - 1)];
}

/** Maps a 0-based code point offset into `text` (Postgres error cursors count characters) to a string index. */
export function codePointOffsetToIndex(text: string, codePoints: number): number {
  let index = 0;
  for (let seen = 0; seen < codePoints && index < text.length; seen++) {
    index += text.codePointAt(index)! >= 0x10000 ? 2 : 1;
  }
  return index;
}
