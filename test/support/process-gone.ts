import {readFileSync} from 'node:fs';
import {isPortOpen} from '../../local/free-ports';

/** True when the process no longer exists or is only a zombie waiting for init to reap it. */
export function isProcessGone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the parenthesised command name, which may itself contain spaces.
    return (
      stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
    );
  } catch {
    return true;
  }
}

/** Polls until every pid is gone and every port refuses connections, or the timeout passes. */
export async function waitUntilGone(
  pids: number[],
  ports: number[],
  timeoutMs = 10_000,
): Promise<{pids: number[]; ports: number[]}> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const livePids = pids.filter(pid => !isProcessGone(pid));
    const openPorts = (
      await Promise.all(
        ports.map(async port => ((await isPortOpen(port)) ? port : -1)),
      )
    ).filter(p => p > 0);
    if (
      (livePids.length === 0 && openPorts.length === 0) ||
      Date.now() > deadline
    )
      return {pids: livePids, ports: openPorts};
    await new Promise(resolve => setTimeout(resolve, 100));
  }
}
