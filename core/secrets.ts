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
    options?: {cause?: unknown},
  ) {
    super(`secret ${secret}: ${reason}`, options);
  }
}

const SECRET_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** A secret source an operator's script can also write to (adds a version). */
export interface WritableSecrets extends SecretSource {
  /** The latest version's payload, or undefined when the secret has no enabled version yet. */
  readIfPresent(name: string): Promise<string | undefined>;
  add(name: string, value: string): Promise<void>;
}

/**
 * The secret's value, creating it first when it has none: `create()`'s value is stored as the
 * secret's first version before anything uses it, so a run that fails after this point finds the
 * same value when it runs again (the secret is the truth; whatever is set from it converges).
 */
export async function secretValueOrCreate(
  secrets: WritableSecrets,
  name: string,
  create: () => string,
): Promise<string> {
  const present = await secrets.readIfPresent(name);
  if (present !== undefined) return present;
  await secrets.add(name, create());
  return secrets.read(name);
}

const NOT_FOUND = 5;

type SecretManagerClient = {
  accessSecretVersion(request: {name: string}): Promise<unknown[]>;
  addSecretVersion(request: {
    parent: string;
    payload: {data: Buffer};
  }): Promise<unknown[]>;
};

/** Secret Manager through its official client, loaded on first use so cold starts do not pay for it. */
export class SecretManagerSecrets implements WritableSecrets {
  private client?: Promise<SecretManagerClient>;

  private connect(): Promise<SecretManagerClient> {
    this.client ??= import('@google-cloud/secret-manager').then(
      m => new m.SecretManagerServiceClient() as unknown as SecretManagerClient,
    );
    return this.client;
  }

  async readIfPresent(name: string): Promise<string | undefined> {
    try {
      return await this.read(name);
    } catch (error) {
      if (
        error instanceof SecretError &&
        (error.cause as {code?: number} | undefined)?.code === NOT_FOUND
      )
        return undefined;
      throw error;
    }
  }

  async add(name: string, value: string): Promise<void> {
    if (!SECRET_NAME.test(name))
      throw new SecretError(name, 'is not a valid secret id');
    const client = await this.connect();
    try {
      await client.addSecretVersion({
        parent: `projects/${this.project}/secrets/${name}`,
        payload: {data: Buffer.from(value, 'utf8')},
      });
    } catch (error) {
      throw new SecretError(
        name,
        `could not get a new version in project ${this.project}`,
        {cause: error},
      );
    }
  }

  constructor(private readonly project: string) {}

  async read(name: string): Promise<string> {
    if (!SECRET_NAME.test(name))
      throw new SecretError(name, 'is not a valid secret id');
    const client = await this.connect();
    let response: unknown;
    try {
      [response] = await client.accessSecretVersion({
        name: `projects/${this.project}/secrets/${name}/versions/latest`,
      });
    } catch (error) {
      throw new SecretError(
        name,
        `could not be read from Secret Manager in project ${this.project}`,
        {cause: error},
      );
    }
    const data = (
      response as {payload?: {data?: Uint8Array | string | null}} | undefined
    )?.payload?.data;
    if (data === undefined || data === null)
      throw new SecretError(name, 'has no payload');
    return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
  }
}

/** Fixed secrets held in memory: the stand-in for tests and local runs. */
export class InMemorySecrets implements WritableSecrets {
  readonly reads: string[] = [];
  private readonly values: Record<string, string>;

  constructor(values: Readonly<Record<string, string>>) {
    this.values = {...values};
  }

  async readIfPresent(name: string): Promise<string | undefined> {
    return this.values[name];
  }

  async add(name: string, value: string): Promise<void> {
    this.values[name] = value;
  }

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
