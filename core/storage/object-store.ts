/**
 * Where summary CSVs and dead-letter reports live: a Cloud Storage prefix or a local directory.
 * Names are relative to the store's root (`gs://bucket/prefix/` or the directory).
 */
export interface ObjectStore {
  /** Human-readable location of the root, for logs and errors. */
  readonly location: string;
  /** Names under the root that start with `prefix`, sorted. */
  list(prefix?: string): Promise<string[]>;
  read(name: string): Promise<Buffer>;
  /** Writes or replaces an object. */
  write(name: string, data: string | Buffer): Promise<void>;
  /**
   * Writes only if no object of that name exists; returns false (and leaves the existing object
   * untouched) if one does. Atomic: two concurrent callers never both succeed, and a reader never
   * sees a partial object.
   */
  createIfAbsent(name: string, data: string | Buffer): Promise<boolean>;
}

export class ObjectStoreError extends Error {
  readonly code = 'OBJECT_STORE';
}
