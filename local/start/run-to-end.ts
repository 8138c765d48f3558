import {spawnService} from '../service-process';

/**
 * Runs a command to its end as a service process of the platform (its own process group, killed
 * with this process whatever happens), logging to `<dir>/<name>.log`. Throws with the log's tail
 * when it exits non-zero.
 */
export async function runToEnd(
  name: string,
  command: string,
  args: string[],
  options: {dir: string; env: NodeJS.ProcessEnv},
): Promise<string> {
  const child = spawnService(name, command, args, options);
  // Service processes are unref'd so they never keep their parent alive; this one is awaited.
  child.child.ref();
  const code = await child.exited;
  if (code !== 0)
    throw new Error(
      `${name} exited with ${code}\n--- last lines of ${child.logFile} ---\n${child.logTail(30)}`,
    );
  return child.logTail(1000);
}
