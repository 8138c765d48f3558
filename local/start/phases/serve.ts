import {PubSub} from '@google-cloud/pubsub';
import {join} from 'node:path';
import {createIfAbsent} from '../../../core/provision/already-exists';
import {superviseFunction} from '../function-supervisor';
import type {Phase} from '../phase';

/**
 * httpGenerate, pubsubReplicate and bigtableToAvro served by functions-framework from dist/
 * (restarted on the same address if they die); the replicate subscription pushing to
 * pubsubReplicate, and a push subscription on the replicated topic pushing to bigtableToAvro, as
 * Eventarc's do (the topic travels in the URL path). Under `--chaos` the replicate pushes go through
 * the chaos push proxy, which forwards them to the function. Before generation starts, the pull
 * subscription on the AVRO topic that the `publish` phase counts from.
 */
export const servePhase: Phase = {
  name: 'serve',
  async run(context) {
    const dir = join(context.platform!.dir, 'functions');
    // Under --chaos a killed instance leaves its lease behind (a generation's, a publication
    // bucket's): let it expire in a minute or a few seconds, not an hour or two minutes.
    const env = context.options.chaos
      ? {
          ...context.env,
          GENERATION_LEASE_TTL_MINUTES: '1',
          PUBLISH_LEASE_SECONDS: '5',
        }
      : context.env;
    const {project, pubsub: names} = context.resources;
    const pubsub = new PubSub({projectId: project});
    try {
      await createIfAbsent(() =>
        pubsub
          .topic(names.avroTopic)
          .createSubscription(names.avroCheckSubscription, {
            ackDeadlineSeconds: 60,
          }),
      );
      await Promise.all(
        (['httpGenerate', 'pubsubReplicate', 'bigtableToAvro'] as const).map(
          name => superviseFunction(context, name, env, dir),
        ),
      );
      const replicate = context.functions.pubsubReplicate!;
      const publisher = context.functions.bigtableToAvro!;
      const target = context.pushTarget?.() ?? replicate.url;
      await pubsub.subscription(names.replicateSubscription).modifyPushConfig({
        pushEndpoint: `${target}/projects/${project}/topics/${names.generatedTopic}`,
      });
      // Eventarc's trigger with retry: a failed run is pushed again, backing off.
      await createIfAbsent(() =>
        pubsub
          .topic(names.replicatedTopic)
          .createSubscription(names.avroPublishSubscription, {
            ackDeadlineSeconds: 600,
            retryPolicy: {
              minimumBackoff: {seconds: 1},
              maximumBackoff: {seconds: 10},
            },
            pushConfig: {
              pushEndpoint: `${publisher.url}/projects/${project}/topics/${names.replicatedTopic}`,
            },
          }),
      );
      return {
        detail: `httpGenerate ${context.functions.httpGenerate!.url}, pubsubReplicate ${replicate.url}${target === replicate.url ? '' : ` (pushes via ${target})`}, bigtableToAvro ${publisher.url}`,
      };
    } finally {
      await pubsub.close();
    }
  },
};
