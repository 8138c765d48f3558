import {type FunctionName, serveFunction} from '../served-function';
import type {StartContext} from './context';

/**
 * Serves a function from its bundle and, like Cloud Run, starts a new instance on the same address
 * whenever the process dies (a crash, or `--chaos` killing it), until the run ends.
 * `context.functions[name]` is always the current instance.
 */
export async function superviseFunction(
  context: StartContext,
  name: FunctionName,
  env: Record<string, string>,
  dir: string,
): Promise<void> {
  let stopping = false;
  let instances = 0;
  const start = async (port?: number): Promise<void> => {
    instances += 1;
    const served = await serveFunction(name, env, {
      bundle: true,
      dir,
      ...(port ? {port} : {}),
      logName: instances === 1 ? name : `${name}-${instances}`,
    });
    context.functions[name] = served;
    void served.process.exited.then(() => {
      if (stopping) return;
      start(served.port).catch((error: unknown) =>
        process.stderr.write(
          `npm start: ${name} did not restart: ${(error as Error).message}\n`,
        ),
      );
    });
  };
  await start();
  context.cleanups.push(async () => {
    stopping = true;
    await context.functions[name]?.stop();
  });
}
