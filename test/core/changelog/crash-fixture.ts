/**
 * Runs the change-log archiver as deployed (configured from the environment) and kills it with
 * SIGKILL right after the first object of its first batch is written, before the batch's other
 * objects and before the ack: a real crash mid-batch.
 */
import {readArchiverConfig} from '../../../changelog-archiver/config';
import {run} from '../../../changelog-archiver/index';

run(readArchiverConfig(process.env), async name => {
  console.log(JSON.stringify({crashingAfter: name}));
  process.kill(process.pid, 'SIGKILL');
  await new Promise(() => {});
}).then(
  () => console.log(JSON.stringify({unexpected: 'finished without crashing'})),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
