import type {Bucket} from '@google-cloud/storage';
import {download} from './download';
import type {ObjectStore, VersionedName} from './object-store';

function statusOf(error: unknown): number | undefined {
  const code = (error as {code?: unknown}).code;
  return typeof code === 'number' ? code : undefined;
}

/** An ObjectStore over a Cloud Storage bucket and prefix. */
export class GcsStore implements ObjectStore {
  readonly location: string;

  constructor(
    private readonly bucket: Bucket,
    private readonly prefix = '',
  ) {
    this.location = `gs://${bucket.name}/${prefix}`;
  }

  async list(prefix = ''): Promise<string[]> {
    const [files] = await this.bucket.getFiles({
      prefix: this.prefix + prefix,
      autoPaginate: true,
    });
    return files.map(file => file.name.slice(this.prefix.length)).sort();
  }

  async read(name: string): Promise<Buffer> {
    return download(this.bucket.file(this.prefix + name));
  }

  async write(name: string, data: string | Buffer): Promise<void> {
    await this.bucket.file(this.prefix + name).save(data, {resumable: false});
  }

  async listVersions(prefix = ''): Promise<VersionedName[]> {
    const [files] = await this.bucket.getFiles({
      prefix: this.prefix + prefix,
      autoPaginate: true,
    });
    return files
      .map(file => ({
        name: file.name.slice(this.prefix.length),
        version: String(file.metadata.generation),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async readVersioned(name: string): Promise<{data: Buffer; version: string}> {
    const [metadata] = await this.bucket.file(this.prefix + name).getMetadata();
    const version = String(metadata.generation);
    // Downloading that generation: the content is the version's even if it is replaced meanwhile.
    const data = await download(
      this.bucket.file(this.prefix + name, {generation: Number(version)}),
    );
    return {data, version};
  }

  async replaceIfVersion(
    name: string,
    version: string,
    data: string | Buffer,
  ): Promise<boolean> {
    try {
      await this.bucket.file(this.prefix + name).save(data, {
        resumable: false,
        preconditionOpts: {ifGenerationMatch: Number(version)},
      });
      return true;
    } catch (error) {
      if (statusOf(error) === 412) return false;
      throw error;
    }
  }

  async createIfAbsent(name: string, data: string | Buffer): Promise<boolean> {
    try {
      await this.bucket.file(this.prefix + name).save(data, {
        resumable: false,
        preconditionOpts: {ifGenerationMatch: 0},
      });
      return true;
    } catch (error) {
      if (statusOf(error) === 412) return false;
      throw error;
    }
  }
}
