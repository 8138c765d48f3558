import type {
  Bucket,
  GetFilesOptions,
  GetFilesResponse,
} from '@google-cloud/storage';
import {download} from './download';
import type {ObjectStore, VersionedName} from './object-store';

function statusOf(error: unknown): number | undefined {
  const code = (error as {code?: unknown}).code;
  return typeof code === 'number' ? code : undefined;
}

/** An object as a listing with `fields` gives it: the JSON API's item, not a File. */
interface ListedItem {
  name: string;
  generation: string | number;
}

/** An ObjectStore over a Cloud Storage bucket and prefix. */
export class GcsStore implements ObjectStore {
  readonly location: string;

  constructor(
    private readonly bucket: Bucket,
    private readonly prefix = '',
    /** Objects a listing asks for at a time (the JSON API's most is 1,000). */
    private readonly listPageSize = 1000,
  ) {
    this.location = `gs://${bucket.name}/${prefix}`;
  }

  async list(prefix = ''): Promise<string[]> {
    return (await this.listVersions(prefix)).map(listed => listed.name);
  }

  async read(name: string): Promise<Buffer> {
    return download(this.bucket.file(this.prefix + name));
  }

  async write(name: string, data: string | Buffer): Promise<void> {
    await this.bucket.file(this.prefix + name).save(data, {resumable: false});
  }

  async listVersions(prefix = ''): Promise<VersionedName[]> {
    // A page at a time, each object's name and generation only: with `fields` the client hands
    // back the listed items as they came (not a File with its metadata each: 10,000 of those
    // held at once weigh ~63 MB).
    const listed: VersionedName[] = [];
    let query: GetFilesOptions | undefined = {
      prefix: this.prefix + prefix,
      autoPaginate: false,
      maxResults: this.listPageSize,
      fields: 'items(name,generation),nextPageToken',
    };
    while (query) {
      const [items, next]: GetFilesResponse = await this.bucket.getFiles(query);
      for (const item of items as unknown as ListedItem[])
        listed.push({
          name: item.name.slice(this.prefix.length),
          version: String(item.generation),
        });
      query = next && 'pageToken' in next ? next : undefined;
    }
    return listed.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
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
