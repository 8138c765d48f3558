import {readFileSync, readdirSync} from 'node:fs';

/** Every live process whose chain of parents reaches `root` (from /proc), with its command line. */
export function descendantsOf(root: number): Map<number, string> {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found = new Map<number, string>();
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p !== root) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .replace(/\0/g, ' ')
          .trim();
      } catch {
        // gone meanwhile
      }
      found.set(pid, command);
      break;
    }
  }
  return found;
}

/**
 * Watches `root`'s process tree every `intervalMs` until stopped, remembering every process seen
 * (a child reparented to init once its parent died is still remembered by its pid).
 */
export function watchProcessTree(root: number, intervalMs = 100) {
  const seen = new Map<number, string>();
  const look = () => {
    // A process that has exited (a zombie) has an empty command line: keep what was read before.
    for (const [pid, command] of descendantsOf(root))
      if (command !== '' || !seen.has(pid)) seen.set(pid, command);
  };
  look();
  const timer = setInterval(look, intervalMs);
  return {
    seen,
    stop: () => clearInterval(timer),
  };
}
