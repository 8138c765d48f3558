"""Beam's Dataflow job service (apache-beam 2.49), with the two things a flex-template launch needs.

Run as a script by flex-template/python-job-service.ts: `python dataflow_job_service.py --port N`.

1. The flex-template launcher contract: with --template_location the runner writes the job file
   there and Dataflow creates the job from it. Beam's DataflowBeamJob then polls a job that does
   not exist and fails on its missing id; here the job ends DONE once the file is written.
2. Typed options: the TypeScript runner sends its options as a protobuf Struct, whose numbers are
   doubles (num_workers arrives as 1.0, which the job description refuses). Options that Beam's
   own parser reads as int get their int back.
"""
import argparse
import logging
import sys

from apache_beam.options import pipeline_options
from apache_beam.portability.api import beam_job_api_pb2
from apache_beam.runners.dataflow import dataflow_job_service
from apache_beam.runners.dataflow import dataflow_runner
from apache_beam.runners.job import utils as job_utils
from apache_beam.runners.runner import PipelineState

_LOGGER = logging.getLogger(__name__)

TEMPLATE_WRITTEN = 'Job file written to template_location %s'


def _int_options():
  """Option names (dests) that Beam's own argument parser reads with type=int."""
  parser = argparse.ArgumentParser()
  classes = list(pipeline_options.PipelineOptions.__subclasses__())
  while classes:
    cls = classes.pop()
    classes.extend(cls.__subclasses__())
    try:
      cls._add_argparse_args(parser)  # pylint: disable=protected-access
    except argparse.ArgumentError:
      pass  # an option registered by two classes
  return {a.dest for a in parser._actions if a.type is int}  # pylint: disable=protected-access


def typed_options(values):
  """PipelineOptions from the sent values, whole numbers given back to int options."""
  ints = _int_options()
  fixed = {}
  for key, value in values.items():
    if key in ints and isinstance(value, float) and value.is_integer():
      value = int(value)
    fixed[key] = value
  return pipeline_options.PipelineOptions(**fixed)


class _TemplateResult:
  """What a template run yields: the file is the result, there is no job to wait for."""
  state = PipelineState.DONE

  def wait_until_finish(self, duration=None):  # pylint: disable=unused-argument
    return self.state


class FlexDataflowJob(dataflow_job_service.DataflowBeamJob):
  def pipeline_options(self):
    # As Beam's BeamJob.pipeline_options, which keeps the Struct's doubles.
    values = job_utils.struct_to_dict(self._pipeline_options)
    return typed_options({
        key[len('beam:option:'):-len(':v1')]: value
        for key, value in values.items()
    })

  def _invoke_runner(self):
    options = self.pipeline_options()
    template = options.view_as(pipeline_options.GoogleCloudOptions).template_location
    if not template:
      return super()._invoke_runner()
    self.set_state(beam_job_api_pb2.JobState.RUNNING)
    dataflow_runner.DataflowRunner().run_pipeline(None, options, self._pipeline_proto)
    _LOGGER.info(TEMPLATE_WRITTEN, template)
    self.result = _TemplateResult()
    return self.result


if __name__ == '__main__':
  logging.basicConfig()
  logging.getLogger().setLevel(logging.INFO)
  dataflow_job_service.run(sys.argv[1:], beam_job_type=FlexDataflowJob)
