/**
 * Fixture for the "dies with its parent" test: starts a platform, prints its pids, ports and dir
 * as one JSON line, then waits to be killed.
 */
import {startPlatform, type ServiceName} from '../../local/platform';

const services = (process.argv[2]?.split(',') ?? undefined) as
  ServiceName[] | undefined;
startPlatform({services}).then(
  platform => {
    console.log(
      JSON.stringify({
        pids: platform.pids,
        ports: platform.ports,
        dir: platform.dir,
      }),
    );
    setInterval(() => undefined, 60_000);
  },
  error => {
    console.error(error);
    process.exit(1);
  },
);
