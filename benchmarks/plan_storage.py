"""Swift requests and wall time of each plan-management workflow on a THT 18.0.0-sized plan.

Run: ``tox -e bench-plan``.  Starts a local undercloud, then for the real tripleo-heat-templates
18.0.0 tree (~1,800 files) runs create, show, list, amend (one file), export, import and delete,
each ONE Mistral execution, and prints the Swift requests the server side made (counted at the
Swift proxy) next to what the old TripleO client made for the same work.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.tht import tht_sdist  # noqa: E402
from tripleo_plan_actions.client import MistralClient  # noqa: E402
from tripleo_plan_actions.services import connections  # noqa: E402
from tripleo_plan_actions.storage.swift import UPLOADS  # noqa: E402
from tripleo_plan_actions.undercloud.local import LocalUndercloud  # noqa: E402

# The old client (Rocky), from shared notes: plan update emptied the container one DELETE per
# object and re-uploaded; a deploy made ~1,100-1,600 Swift calls in all.
BASELINE = {"create": "~1,800 (one PUT per file, then re-reads)", "amend": "~1,100-1,500 (delete all, re-upload)"}


def main() -> int:
    archive = tht_sdist().read_bytes()
    with tempfile.TemporaryDirectory() as state, LocalUndercloud(Path(state)) as cloud:
        swift = connections.for_settings(str(cloud.settings_file)).swift()
        client = MistralClient(cloud.endpoints["mistral"])
        log = cloud.request_log("swift")

        def upload(data: bytes) -> str:
            name = f"{uuid.uuid4()}.tar.gz"
            swift.put_container(UPLOADS)
            swift.put_object(UPLOADS, name, data)
            return name

        rows = []

        def measure(operation: str, workflow: str, inputs: dict) -> dict:
            mark = log.mark()
            started = time.monotonic()
            result = client.run(workflow, inputs, timeout=1800)["output"]["result"]
            seconds = time.monotonic() - started
            calls = [r for r in log.since(mark) if not r["path"].startswith("/auth")]
            rows.append({"operation": operation, "swift": len(calls), "seconds": round(seconds, 2),
                         "methods": {m: sum(1 for c in calls if c["method"] == m)
                                     for m in sorted({c["method"] for c in calls})}})
            return result

        created = measure("create", "tripleo_plan.plan.create", {"plan": "overcloud", "upload": upload(archive)})
        measure("show", "tripleo_plan.plan.show", {"plan": "overcloud"})
        measure("list", "tripleo_plan.plan.list", {})
        measure("amend", "tripleo_plan.plan.amend", {
            "plan": "overcloud", "files": {"environments/my-env.yaml": "parameter_defaults:\n  Debug: true\n"}})
        exported = measure("export", "tripleo_plan.plan.export", {"plan": "overcloud"})
        _, data = swift.get_object(exported["container"], exported["object"])
        measure("import", "tripleo_plan.plan.import", {"plan": "overcloud-copy", "upload": upload(data)})
        measure("delete", "tripleo_plan.plan.delete", {"plan": "overcloud-copy"})

        print(f"plan: tripleo-heat-templates 18.0.0, {created['files']} files")
        print(f"{'operation':10} {'swift requests':>15} {'seconds':>8}  old client")
        for row in rows:
            print(f"{row['operation']:10} {row['swift']:>15} {row['seconds']:>8}  {BASELINE.get(row['operation'], '')}")
        for row in rows:
            print(json.dumps(row, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
