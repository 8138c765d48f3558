/**
 * Temp directories of platforms. Each records the PID of the Node process that owns it, so the
 * directory of a platform whose owner was SIGKILLed (its services died with it, see
 * service-process.ts) is removed by the next platform that starts.
 */
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {isAlive} from './service-process';

const PREFIX = 'finserv-platform-';
const OWNER_FILE = 'owner.pid';

export function createPlatformDir(): string {
  removeAbandonedPlatformDirs();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  return dir;
}

function removeAbandonedPlatformDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(tmpdir(), name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // being created right now, or not ours to judge
    }
    if (owner > 0 && !isAlive(owner))
      rmSync(dir, {recursive: true, force: true});
  }
}
