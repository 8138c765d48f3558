import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type ObjectStore, ObjectStoreError } from './object-store';

/** An ObjectStore over a local directory (local runs and tests). Names may contain `/`. */
export class LocalDirectoryStore implements ObjectStore {
  readonly location: string;

  constructor(private readonly root: string) {
    this.location = path.resolve(root);
  }

  private pathOf(name: string): string {
    const full = path.resolve(this.location, name);
    if (!full.startsWith(this.location + path.sep)) throw new ObjectStoreError(`object name "${name}" escapes ${this.location}`);
    return full;
  }

  async list(prefix = ''): Promise<string[]> {
    const names: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await fs.readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.startsWith('.tmp-')) {
          const name = path.relative(this.location, full).split(path.sep).join('/');
          if (name.startsWith(prefix)) names.push(name);
        }
      }
    };
    await walk(this.location);
    return names.sort();
  }

  read(name: string): Promise<Buffer> {
    return fs.readFile(this.pathOf(name));
  }

  private async writeTemp(target: string, data: string | Buffer): Promise<string> {
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = path.join(path.dirname(target), `.tmp-${randomBytes(8).toString('hex')}`);
    await fs.writeFile(temp, data);
    return temp;
  }

  async write(name: string, data: string | Buffer): Promise<void> {
    const target = this.pathOf(name);
    const temp = await this.writeTemp(target, data);
    await fs.rename(temp, target);
  }

  async createIfAbsent(name: string, data: string | Buffer): Promise<boolean> {
    const target = this.pathOf(name);
    const temp = await this.writeTemp(target, data);
    try {
      // link() fails with EEXIST if the name is taken: atomic create of a complete file.
      await fs.link(temp, target);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await fs.rm(temp, { force: true });
    }
  }
}
