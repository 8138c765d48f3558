/**
 * Runs one publication in this process, configured like bigtableToAvro from the environment, and
 * kills it with SIGKILL right after the first chunk's publishes were acknowledged, before their
 * marks: a real crash between publish and mark.
 */
import {createLogger} from '../../core/log';
import {readAvroPublishConfig} from '../../functions/bigtableToAvro/config';
import {buildRuntime} from '../../functions/bigtableToAvro/runtime';

async function main() {
  const config = readAvroPublishConfig(process.env);
  const publisher = await buildRuntime(
    config,
    createLogger('avro-crash-fixture', undefined, 'silent'),
    {
      afterPublish: ids => {
        console.log(JSON.stringify({crashingAfter: ids}));
        process.kill(process.pid, 'SIGKILL');
        return new Promise(() => {});
      },
    },
  );
  await publisher.run();
  console.log(JSON.stringify({unexpected: 'finished without crashing'}));
}

main().catch(error => {
  console.error(error);
  process.exit(2);
});
