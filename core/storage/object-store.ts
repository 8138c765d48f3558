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
  /**
   * Names under the root that start with `prefix`, sorted, each with its version: an opaque token
   * that changes whenever the object is replaced (Cloud Storage's generation).
   */
  listVersions(prefix?: string): Promise<VersionedName[]>;
  /** An object's content and the version that content belongs to (read together, consistently). */
  readVersioned(name: string): Promise<{data: Buffer; version: string}>;
  /**
   * Replaces an object only if its version is still `version`; false (and nothing written) if it
   * was replaced meanwhile. Atomic like createIfAbsent: of two callers with the same version, one wins.
   */
  replaceIfVersion(
    name: string,
    version: string,
    data: string | Buffer,
  ): Promise<boolean>;
}

export interface VersionedName {
  name: string;
  version: string;
}

export class ObjectStoreError extends Error {
  readonly code = 'OBJECT_STORE';
}
