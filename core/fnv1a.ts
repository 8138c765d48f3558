/**
 * FNV-1a, 32 bits, over the string's UTF-16 code units: stable across processes and releases,
 * unlike anything seeded. Row-key salts and generation seeds both derive from it, so changing it
 * would change stored keys and generated batches.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
