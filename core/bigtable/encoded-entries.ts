import type {EncodedEntries} from './mutate-rows-wire';

/**
 * Entries encoded apart laid end to end, as one request's: in memory of their own (`bytes.buffer`
 * and `ends.buffer` hold exactly them), so they can be handed to another thread without a copy.
 */
export function concatEntries(
  parts: readonly EncodedEntries[],
): EncodedEntries {
  let total = 0;
  let count = 0;
  for (const part of parts) {
    total += part.bytes.length;
    count += part.ends.length;
  }
  const bytes = Buffer.allocUnsafeSlow(total);
  const ends = new Uint32Array(count);
  let at = 0;
  let n = 0;
  for (const part of parts) {
    bytes.set(part.bytes, at);
    for (const end of part.ends) ends[n++] = at + end;
    at += part.bytes.length;
  }
  return {bytes, ends};
}
