// How deep a JSON text nests, counted on the raw bytes as they arrive, before any parser sees
// them. V8's JSON.parse spends ~0.5 s on 1 MB of `[[[…` and blocks the event loop meanwhile; this
// count is one cheap pass, and a server stops reading a body at the first byte too deep. Pure:
// shared by the BFF's and the sandbox's request hooks.

/** Nesting no request of ours comes near; far below where parsing becomes expensive. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Counts nesting over a text fed in pieces. Works on UTF-8 bytes as well as on UTF-16 code units:
 * quotes, backslashes and brackets are ASCII, and never part of a multi-byte sequence.
 */
export class JsonDepthCounter {
  #depth = 0;
  #inString = false;
  #escaped = false;

  constructor(readonly max: number = MAX_JSON_DEPTH) {}

  /** Feeds the next piece; true once the text has nested deeper than `max`. */
  push(piece: string | Uint8Array): boolean {
    const text = typeof piece === 'string';
    for (let i = 0; i < piece.length; i++) {
      const c = text ? piece.charCodeAt(i) : (piece[i] as number);
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === BACKSLASH) this.#escaped = true;
        else if (c === QUOTE) this.#inString = false;
      } else if (c === QUOTE) {
        this.#inString = true;
      } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
        if (++this.#depth > this.max) return true;
      } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
        this.#depth--;
      }
    }
    return false;
  }
}

/** True when `text` opens more than `max` arrays/objects inside one another (brackets in strings do not count). */
export function jsonNestsDeeperThan(text: string, max: number = MAX_JSON_DEPTH): boolean {
  return new JsonDepthCounter(max).push(text);
}
