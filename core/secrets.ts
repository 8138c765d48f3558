/**
 * Secret Manager access behind a small interface. Functions read the database user and password
 * once per instance; tests hand in `InMemorySecrets` (Secret Manager has no emulator).
 */
export interface SecretSource {
  /** The latest version's payload of the named secret, as UTF-8 text. */
  read(name: string): Promise<string>;
}

export class SecretError extends Error {
  readonly code = 'SECRET_UNAVAILABLE';
  constructor(
    readonly secret: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`secret ${secret}: ${reason}`, options);
  }
}

const SECRET_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Secret Manager through its official client, loaded on first use so cold starts do not pay for it. */
export class SecretManagerSecrets implements SecretSource {
  private client?: Promise<{ accessSecretVersion(request: { name: string }): Promise<unknown[]> }>;

  constructor(private readonly project: string) {}

  async read(name: string): Promise<string> {
    if (!SECRET_NAME.test(name)) throw new SecretError(name, 'is not a valid secret id');
    this.client ??= import('@google-cloud/secret-manager').then((m) => new m.SecretManagerServiceClient());
    const client = await this.client;
    let response: unknown;
    try {
      [response] = await client.accessSecretVersion({ name: `projects/${this.project}/secrets/${name}/versions/latest` });
    } catch (error) {
      throw new SecretError(name, `could not be read from Secret Manager in project ${this.project}`, { cause: error });
    }
    const data = (response as { payload?: { data?: Uint8Array | string | null } } | undefined)?.payload?.data;
    if (data === undefined || data === null) throw new SecretError(name, 'has no payload');
    return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  }
}

/** Fixed secrets held in memory: the stand-in for tests and local runs. */
export class InMemorySecrets implements SecretSource {
  readonly reads: string[] = [];

  constructor(private readonly values: Readonly<Record<string, string>>) {}

  async read(name: string): Promise<string> {
    this.reads.push(name);
    const value = this.values[name];
    if (value === undefined) throw new SecretError(name, 'does not exist');
    return value;
  }
}

/** Reads each secret at most once (successful reads only), for the life of a function instance. */
export class CachedSecrets implements SecretSource {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly source: SecretSource) {}

  read(name: string): Promise<string> {
    let value = this.cache.get(name);
    if (!value) {
      value = this.source.read(name);
      this.cache.set(name, value);
      value.catch(() => this.cache.delete(name));
    }
    return value;
  }
}
