"""What Heat says back may quote a secret (a failed constraint quotes the value; THT's outputs hold
the passwords): the pack masks it before anything is recorded or returned (issue #15)."""
import json
from pathlib import Path

import pytest

from tripleo_plan_actions.core import archive, history, passwords, plan as plans, references, revisions
from tripleo_plan_actions.core.environment import _merge_parameter
from tripleo_plan_actions.errors import ServiceError, StackFailed
from tripleo_plan_actions.operations import deploy, finish, stack

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "small-overcloud"
PLAN = "overcloud"
SECRET = "GlancePw1234abcd"
REFUSAL = ("InvalidSchemaError: resources.PostDeploy<post.yaml>: Parameter 'GlancePassword' is invalid: "
           f'Invalid default {SECRET} ("{SECRET}" does not match pattern "[0-9]*")')


def test_secret_values_are_the_strings_under_secret_names():
    found = passwords.secret_values({"parameter_defaults": {
        "NovaPassword": "nova-secret", "CloudName": "cloud.example.com", "Short": "abc", "RabbitPassword": "ab",
        "MigrationSshKey": {"private_key": "-----BEGIN-----\nAAAABBBB\n-----END-----", "public_key": "ssh-rsa X"},
        "ComputeParameters": {"nova::db::password": "deep-secret"}}})
    assert {"nova-secret", "deep-secret", "AAAABBBB", "ssh-rsa X"} <= found
    assert "cloud.example.com" not in found and "ab" not in found


def test_redact_masks_known_values_and_what_heat_quotes_of_a_secret():
    assert passwords.redact(REFUSAL) == ("InvalidSchemaError: resources.PostDeploy<post.yaml>: "
                                         "Parameter 'GlancePassword' is invalid: ******")
    assert SECRET not in passwords.redact(f"boom: {SECRET} and again {SECRET}", {SECRET})
    plain = "Parameter 'CloudName' is invalid: \"x y\" does not match pattern"
    assert passwords.redact(plain) == plain  # not a secret's: kept, it helps the operator
    assert passwords.redact("resources.X.properties.password: \"hunter22\" is bad\nnext") == \
        "resources.X.properties.password: ******\nnext"
    assert passwords.redact(None) is None and passwords.redact([{"reason": REFUSAL}])[0]["reason"].endswith("******")


def test_stack_outputs_are_masked_by_name_and_by_the_values_found_under_secret_names():
    outputs = {"AdminPassword": "admin-secret", "KeystoneURL": "http://k:5000",
               "RoleData": {"Controller": {"config_settings": {
                   "nova::db::mysql::password": "nova-db-pw", "nova::database_connection":
                       "mysql+pymysql://nova:nova-db-pw@10.0.0.1/nova", "rabbit_url": "rabbit://u:gen-rabbit@h"}}}}
    known = passwords.secret_values(outputs) | {"gen-rabbit"}
    shown = passwords.redact(outputs, known)
    assert shown["AdminPassword"] == passwords.MASK and shown["KeystoneURL"] == "http://k:5000"
    settings = shown["RoleData"]["Controller"]["config_settings"]
    assert settings == {"nova::db::mysql::password": passwords.MASK,
                        "nova::database_connection": "mysql+pymysql://nova:******@10.0.0.1/nova",
                        "rabbit_url": "rabbit://u:******@h"}


def test_a_merge_error_never_quotes_the_value():
    with pytest.raises(ValueError) as error:
        _merge_parameter({}, "AdminPassword", {"v": SECRET}, "string", False)
    assert SECRET not in str(error.value)


# -- the operations ------------------------------------------------------------------------------

def test_a_refusal_quoting_a_secret_the_call_sent_is_recorded_and_raised_masked(ctx):
    env = f"parameter_defaults:\n  NovaPassword: {SECRET}x\n".encode()
    ctx.store.uploads["u"] = archive.write_archive({"files/home/stack/e.yaml": env,
                                                    references.ARCHIVE_PARAMETERS: b'{"AdminPassword": "adm1n-pw"}'})
    ctx.stacks.refuse = f"Invalid: {SECRET}x and adm1n-pw and Parameter 'GlancePassword' is invalid: \"{SECRET}\""
    with pytest.raises(ServiceError) as refused:
        deploy.start(deploy.Request(plan=PLAN, environments=[{"path": "/home/stack/e.yaml"}], user_upload="u"), ctx)
    record = ctx.store.revision(PLAN, 2)
    assert record["status"] == revisions.REFUSED
    for text in (str(refused.value), json.dumps(record)):
        assert SECRET not in text and "adm1n-pw" not in text and "Invalid: ****** and ******" in text


def test_sent_secrets_reads_every_environment_file_of_the_call():
    arguments = {"environment_files": ["a.yaml", "b.yaml", "bad.yaml"],
                 "files": {"a.yaml": "passwords: {}\nparameter_defaults: {AdminPassword: adm1n-pw}\n",
                           "b.yaml": '{"parameter_defaults": {"NovaPassword": "n0va-pw"}}', "bad.yaml": "a: ["}}
    assert stack.sent_secrets(arguments) == {"adm1n-pw", "n0va-pw"}


def test_finish_masks_heat_reasons_failures_and_outputs(ctx, plan_files):
    started = deploy.start(deploy.Request(plan=PLAN), ctx)
    ctx.stacks.settle(PLAN, "CREATE_FAILED", f"Parameter 'GlancePassword' is invalid: \"{SECRET}\"")
    with pytest.raises(StackFailed) as failed:
        finish.finish(ctx, PLAN, started["revision"], started["stack"])
    assert SECRET not in str(failed.value) and SECRET not in json.dumps(ctx.store.revision(PLAN, 2))
    generated = plans.load_yaml(plans.PLAN_ENVIRONMENT, plan_files[plans.PLAN_ENVIRONMENT])["passwords"]
    started = deploy.start(deploy.Request(plan=PLAN), ctx)
    ctx.stacks.settle(PLAN)
    ctx.stacks.stacks[PLAN]["outputs"] = {"AdminPassword": generated["AdminPassword"],
                                          "Url": f"amqp://guest:{generated['RabbitPassword']}@h"}
    done = finish.finish(ctx, PLAN, started["revision"], started["stack"])
    assert done["outputs"] == {"AdminPassword": passwords.MASK, "Url": "amqp://guest:******@h"}


def test_history_views_mask_what_an_older_record_quoted():
    record = {"plan": PLAN, "number": 5, "operation": "update", "status": "refused", "execution": "e",
              "message": f"Heat refused to update stack {PLAN}: ERROR: {REFUSAL}", "environments": [],
              "stack": {"status": "UPDATE_FAILED", "reason": REFUSAL,
                        "failures": [{"resource": "PostDeploy", "type": "x.yaml", "reason": REFUSAL}]}}
    shown = [history.listing([record]), history.show(record), history.diff(record, record),
             history.status(PLAN, record, record, execution_state="SUCCESS", now="t9")]
    assert SECRET not in json.dumps(shown)
    assert "Parameter 'GlancePassword' is invalid: ******" in shown[1]["message"]
