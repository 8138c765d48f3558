/**
 * Submits the pipeline to Dataflow. Two ways, as the options say:
 * - `templateLocation` set (what Dataflow's flex-template launcher passes): the job service writes
 *   the job file there and the job ends DONE; Dataflow creates the job from that file after the
 *   launcher exits. Returns the location.
 * - otherwise (a run from a terminal): returns once Dataflow has created the job, with its id.
 *
 * Beam's own dataflow runner starts Python's Dataflow job service and returns as soon as that
 * service accepted the pipeline; the actual job creation happens afterwards in the service's
 * background thread, so exiting then would kill the service before anything reached Dataflow.
 * Here the job service is ours: we follow its message stream until "Created job with id" (or a
 * failure), then stop it.
 */
import {ChannelCredentials} from '@grpc/grpc-js';
import {GrpcTransport} from '@protobuf-ts/grpc-transport';
import type * as beam from 'apache-beam';
import {JobServiceClient} from 'apache-beam/proto/beam_job_api.client';
import {JobState_Enum} from 'apache-beam/proto/beam_job_api';
import {PortableRunner} from 'apache-beam/runners/portable_runner/runner';
import {startJobService} from './python-job-service';

export class DataflowSubmitError extends Error {
  readonly code = 'FLEX_DATAFLOW_SUBMIT';
}

const CREATED = /Created job with id: \[([^\]]+)\]/;

export type Submitted =
  | {kind: 'job'; dataflowJobId: string}
  | {kind: 'template'; templateLocation: string};

export async function submitToDataflow(
  pipeline: (root: beam.Root) => void,
  runnerOptions: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  timeoutMs = 15 * 60_000,
): Promise<Submitted> {
  const templateLocation =
    typeof runnerOptions.templateLocation === 'string'
      ? runnerOptions.templateLocation
      : undefined;
  const service = await startJobService('dataflow', env);
  try {
    const jobEndpoint = service.endpoint;
    const options = {...runnerOptions, jobEndpoint};
    const result = await new PortableRunner(
      options as {jobEndpoint: string},
    ).runAsync(pipeline);
    const portableJobId = (result as unknown as {jobId: string}).jobId;
    const client = new JobServiceClient(
      new GrpcTransport({
        host: jobEndpoint,
        channelCredentials: ChannelCredentials.createInsecure(),
      }),
    );
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    const errors: string[] = [];
    try {
      for await (const message of client.getMessageStream(
        {jobId: portableJobId},
        {abort: abort.signal},
      ).responses) {
        if (message.response.oneofKind === 'messageResponse') {
          const text = message.response.messageResponse.messageText;
          const created = CREATED.exec(text);
          if (created && !templateLocation)
            return {kind: 'job', dataflowJobId: created[1]!};
          if (message.response.messageResponse.importance >= 4)
            errors.push(text);
        } else if (message.response.oneofKind === 'stateResponse') {
          const state = message.response.stateResponse.state;
          if (templateLocation && state === JobState_Enum.DONE)
            return {kind: 'template', templateLocation};
          if (
            [
              JobState_Enum.FAILED,
              JobState_Enum.CANCELLED,
              JobState_Enum.DONE,
            ].includes(state)
          ) {
            throw new DataflowSubmitError(
              `the job ended ${JobState_Enum[state]} before Dataflow created it:\n${errors.join('\n')}`,
            );
          }
        }
      }
    } catch (err) {
      if (abort.signal.aborted)
        throw new DataflowSubmitError(
          `Dataflow did not create the job within ${timeoutMs} ms`,
        );
      throw err;
    } finally {
      clearTimeout(timer);
    }
    throw new DataflowSubmitError(
      `the job service closed its message stream before Dataflow created the job:\n${errors.join('\n')}`,
    );
  } finally {
    service.stop();
  }
}
