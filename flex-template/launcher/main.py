"""Flex-template launcher shim.

Dataflow's Python launcher runs this file (FLEX_TEMPLATE_PYTHON_PY_FILE) with the template
parameters and pipeline options as --flags. The pipeline is TypeScript, so the flags go to node
unchanged. The Python apache-beam installed in this image is the Dataflow job service that the
TypeScript side starts to submit the job (FLEX_BEAM_PYTHON points it at this Python, so nothing
is pip-installed at launch). node returns once Dataflow has created the job; so does this.
"""
import json
import os
import sys

APP_DIR = os.environ.get("FLEX_APP_DIR", "/app")

def node_flags():
    """node's flags for every flex-template process (flex-template/node-flags.json)."""
    with open(os.path.join(APP_DIR, "flex-template", "node-flags.json"), encoding="utf-8") as f:
        return json.load(f)



def node_command(argv):
    args = list(argv)
    if not any(a == "--runner" or a.startswith("--runner=") for a in args):
        args.append("--runner=dataflow")
    # The bundle built into the image (node esbuild.config.mjs flex-template), not the source.
    return ["node", *node_flags(), os.path.join(APP_DIR, "dist", "flex-template", "index.js"), *args]


def main():
    env = dict(os.environ)
    env.setdefault("FLEX_BEAM_PYTHON", sys.executable)
    # Flags the launcher adds beyond metadata.json's parameters are pipeline options: pass them on.
    env["FLEX_TEMPLATE_LAUNCHER"] = "1"
    os.chdir(APP_DIR)
    command = node_command(sys.argv[1:])
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main()
